"""aftercare.inspection.v1.InspectionService: requests to handler calls, results to responses; nothing else.

Errors are raised as `aftercare_platform.errors` and mapped to gRPC statuses by the server."""

from __future__ import annotations

from typing import Any

from aftercare.common.v1 import common_pb2
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare.inspection.v1 import inspection_pb2_grpc
from aftercare_platform.auth.context import current_principal
from aftercare_platform.errors import InvalidArgument

from inspection.adapters import proto_mapping as mapping
from inspection.handlers.execution import ExecutionHandlers
from inspection.handlers.listing import Listings
from inspection.handlers.plans import PlanHandlers
from inspection.handlers.watch import WatchHandlers
from inspection.reads import InspectionReads


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument.for_field(field, "required")
    return value.strip()


class InspectionServicer(inspection_pb2_grpc.InspectionServiceServicer):
    def __init__(self, plans: PlanHandlers, execution: ExecutionHandlers, watches: WatchHandlers,
                 reads: InspectionReads, listings: Listings) -> None:
        self._plans, self._execution, self._watches, self._reads = plans, execution, watches, reads
        self._listings = listings

    async def CreatePlan(self, request: pb.CreatePlanRequest, context: Any) -> pb.CreatePlanResponse:
        plan, added = await self._plans.create(current_principal(), mapping.plan_from_proto(request.plan))
        return pb.CreatePlanResponse(plan=mapping.plan_to_proto(plan),
                                     scheduled=[mapping.visit_to_proto(v) for v in added])

    async def GetPlan(self, request: pb.GetPlanRequest, context: Any) -> pb.GetPlanResponse:
        plan = await self._reads.plan(current_principal(), _required(request.plan_id, "plan_id"))
        return pb.GetPlanResponse(plan=mapping.plan_to_proto(plan))

    async def ListPlans(self, request: pb.ListPlansRequest, context: Any) -> pb.ListPlansResponse:
        plans, token = await self._listings.plans(current_principal(), company_id=request.company_id.strip(),
                                                  size=request.page.page_size, token=request.page.page_token)
        return pb.ListPlansResponse(plans=[mapping.plan_to_proto(p) for p in plans],
                                    page=common_pb2.PageResponse(next_page_token=token))

    async def PreviewSchedule(self, request: pb.PreviewScheduleRequest, context: Any) -> pb.PreviewScheduleResponse:
        found = await self._reads.preview(current_principal(), _required(request.plan_id, "plan_id"),
                                          mapping.required_day(request.from_day, "from_day"),
                                          mapping.required_day(request.until_day, "until_day"))
        return pb.PreviewScheduleResponse(occurrences=[
            pb.Occurrence(nominal_on=o.nominal.isoformat(), scheduled_on=o.scheduled.isoformat(), moved=o.moved,
                          notice_on=notice.isoformat() if notice else "") for o, notice in found])

    async def BringForward(self, request: pb.BringForwardRequest, context: Any) -> pb.BringForwardResponse:
        visit = await self._plans.bring_forward(current_principal(), _required(request.plan_id, "plan_id"),
                                                request.reason)
        return pb.BringForwardResponse(inspection=mapping.visit_to_proto(visit))

    async def RequestEmergencyInspection(self, request: pb.RequestEmergencyInspectionRequest,
                                         context: Any) -> pb.RequestEmergencyInspectionResponse:
        visit = await self._plans.emergency(current_principal(), _required(request.plan_id, "plan_id"), request.reason)
        return pb.RequestEmergencyInspectionResponse(inspection=mapping.visit_to_proto(visit))

    async def GetInspection(self, request: pb.GetInspectionRequest, context: Any) -> pb.GetInspectionResponse:
        visit, findings = await self._reads.visit(current_principal(), _required(request.inspection_id,
                                                                                  "inspection_id"))
        return pb.GetInspectionResponse(inspection=mapping.visit_to_proto(visit, findings))

    async def ListInspections(self, request: pb.ListInspectionsRequest, context: Any) -> pb.ListInspectionsResponse:
        status = mapping.STATUSES.optional(request.status, "status")
        found, token = await self._listings.visits(
            current_principal(), company_id=request.company_id.strip(), plan_id=request.plan_id.strip(),
            status=status.value if status else "", size=request.page.page_size, token=request.page.page_token)
        return pb.ListInspectionsResponse(inspections=[mapping.visit_to_proto(v) for v in found],
                                          page=common_pb2.PageResponse(next_page_token=token))

    async def PutChecklist(self, request: pb.PutChecklistRequest, context: Any) -> pb.PutChecklistResponse:
        checklist = await self._plans.put_checklist(
            current_principal(), checklist_id=request.checklist.checklist_id, name=request.checklist.name,
            items=mapping.items_from_proto(request.checklist))
        return pb.PutChecklistResponse(checklist=mapping.checklist_to_proto(checklist))

    async def GetChecklist(self, request: pb.GetChecklistRequest, context: Any) -> pb.GetChecklistResponse:
        if request.version < 0:
            raise InvalidArgument.for_field("version", "0 (the latest) or a version number")
        checklist = await self._reads.checklist(_required(request.checklist_id, "checklist_id"), request.version)
        return pb.GetChecklistResponse(checklist=mapping.checklist_to_proto(checklist))

    async def StartInspection(self, request: pb.StartInspectionRequest, context: Any) -> pb.StartInspectionResponse:
        visit = await self._execution.start(current_principal(), _required(request.inspection_id, "inspection_id"))
        return pb.StartInspectionResponse(inspection=mapping.visit_to_proto(visit))

    async def RecordResult(self, request: pb.RecordResultRequest, context: Any) -> pb.RecordResultResponse:
        visit, finding = await self._execution.record(
            current_principal(), _required(request.inspection_id, "inspection_id"),
            _required(request.item_id, "item_id"), passed=request.passed if request.HasField("passed") else None,
            value=request.value if request.HasField("value") else None, text=request.text,
            file_ref=request.file_ref, needs_work=request.needs_work)
        return pb.RecordResultResponse(inspection=mapping.visit_to_proto(visit, [finding] if finding else []))

    async def CompleteInspection(self, request: pb.CompleteInspectionRequest,
                                 context: Any) -> pb.CompleteInspectionResponse:
        visit, report = await self._execution.complete(
            current_principal(), _required(request.inspection_id, "inspection_id"), mapping.instant(request))
        return pb.CompleteInspectionResponse(inspection=mapping.visit_to_proto(visit),
                                             report=mapping.report_to_proto(report))

    async def UploadDataSet(self, request: pb.UploadDataSetRequest, context: Any) -> pb.UploadDataSetResponse:
        visit, report = await self._execution.upload_data_set(
            current_principal(), _required(request.inspection_id, "inspection_id"),
            filename=_required(request.filename, "filename"), content_type=request.content_type,
            content=request.content)
        return pb.UploadDataSetResponse(inspection=mapping.visit_to_proto(visit),
                                        report=mapping.report_to_proto(report))

    async def SubmitReport(self, request: pb.SubmitReportRequest, context: Any) -> pb.SubmitReportResponse:
        report = await self._execution.submit_report(
            current_principal(), _required(request.inspection_id, "inspection_id"), request.summary)
        return pb.SubmitReportResponse(report=mapping.report_to_proto(report))

    async def SignOffReport(self, request: pb.SignOffReportRequest, context: Any) -> pb.SignOffReportResponse:
        report = await self._execution.sign_off(current_principal(), _required(request.inspection_id,
                                                                                "inspection_id"))
        return pb.SignOffReportResponse(report=mapping.report_to_proto(report))

    async def GetReport(self, request: pb.GetReportRequest, context: Any) -> pb.GetReportResponse:
        report = await self._reads.report(current_principal(), _required(request.inspection_id, "inspection_id"))
        return pb.GetReportResponse(report=mapping.report_to_proto(report))

    async def RequestWatch(self, request: pb.RequestWatchRequest, context: Any) -> pb.RequestWatchResponse:
        if request.notice_days < 0:
            raise InvalidArgument.for_field("notice_days", "0 (three weeks) or more")
        watch = await self._watches.request(
            current_principal(), company_id=request.company_id, contract_id=request.contract_id,
            region=request.region, event_name=request.event_name,
            starts_on=mapping.required_day(request.starts_on, "starts_on"),
            ends_on=mapping.required_day(request.ends_on, "ends_on"),
            sites=tuple(s.strip() for s in request.sites if s.strip()),
            systems=tuple(s.strip() for s in request.systems if s.strip()),
            engineer_ids=tuple(e.strip() for e in request.engineer_ids if e.strip()),
            notice_days=request.notice_days, on_site_days_before=request.on_site_days_before)
        return pb.RequestWatchResponse(watch=mapping.watch_to_proto(watch))

    async def GetWatch(self, request: pb.GetWatchRequest, context: Any) -> pb.GetWatchResponse:
        watch = await self._reads.watch(current_principal(), _required(request.watch_id, "watch_id"))
        return pb.GetWatchResponse(watch=mapping.watch_to_proto(watch))

    async def AddDutyLog(self, request: pb.AddDutyLogRequest, context: Any) -> pb.AddDutyLogResponse:
        watch = await self._watches.log_duty(current_principal(), _required(request.watch_id, "watch_id"),
                                             mapping.required_day(request.day, "day"), request.text)
        return pb.AddDutyLogResponse(watch=mapping.watch_to_proto(watch))

    async def GetCompliance(self, request: pb.GetComplianceRequest, context: Any) -> pb.GetComplianceResponse:
        tallies = await self._reads.compliance(current_principal(), request.company_id.strip(),
                                               mapping.required_day(request.from_day, "from_day"),
                                               mapping.required_day(request.until_day, "until_day"))
        return pb.GetComplianceResponse(periods=[mapping.tally_to_proto(t) for t in tallies])
