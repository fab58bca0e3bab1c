"""aftercare.sla.v1.SlaService: thin translation between the wire and the reads and policy admin."""

from __future__ import annotations

from typing import Any

from aftercare.sla.v1 import sla_pb2 as pb
from aftercare.sla.v1 import sla_pb2_grpc
from aftercare_platform.auth.context import current_principal
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.validation import month_field

from sla_timer.adapters.proto_vocabulary import CLOCK_KINDS, PRIORITIES
from sla_timer.domain.report import Report, ReportFilter
from sla_timer.entrypoints.explanation_messages import case_sla_message
from sla_timer.entrypoints.policy_messages import (
    calendar_document,
    calendar_message,
    policy_document,
    policy_message,
    restate_calendar_error,
    restate_policy_error,
)
from sla_timer.policy_admin import PolicyAdmin
from sla_timer.reads import SlaReads

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["SlaService"].full_name


def report_filter(request: pb.GetComplianceReportRequest) -> ReportFilter:
    for name, month in (("from_month", request.from_month), ("to_month", request.to_month)):
        if month:
            month_field(name, month)  # the platform's one check: 2026-13 is no month
    if request.from_month and request.to_month and request.from_month > request.to_month:
        raise InvalidArgument.for_field("to_month", f"{request.to_month} is before from_month {request.from_month}")
    return ReportFilter(
        company_ids=frozenset(request.company_ids),
        regions=frozenset(request.regions),
        priorities=frozenset(PRIORITIES.member(p, f"priorities[{i}]") for i, p in enumerate(request.priorities)),
        kinds=frozenset(CLOCK_KINDS.member(k, f"clock_kinds[{i}]") for i, k in enumerate(request.clock_kinds)),
        from_month=request.from_month,
        to_month=request.to_month,
        engineer_ids=frozenset(request.engineer_ids),
    )


def report_message(report: Report) -> pb.GetComplianceReportResponse:
    return pb.GetComplianceReportResponse(
        rows=[
            pb.ComplianceRow(
                company_id=r.company_id,
                region=r.region,
                priority=PRIORITIES.number(r.priority),  # type: ignore[arg-type]
                clock_kind=CLOCK_KINDS.number(r.kind),  # type: ignore[arg-type]
                month=r.month,
                met=r.met,
                breached=r.breached,
                compliance_percent=r.compliance_percent or 0.0,
                engineer_id=r.engineer_id,
            )
            for r in report.rows
        ],
        met=report.met,
        breached=report.breached,
        compliance_percent=report.compliance_percent or 0.0,
        empty=report.empty,
    )


class SlaServicer(sla_pb2_grpc.SlaServiceServicer):
    def __init__(self, reads: SlaReads, admin: PolicyAdmin) -> None:
        self._reads = reads
        self._admin = admin

    async def GetCaseSla(self, request: pb.GetCaseSlaRequest, context: Any) -> pb.GetCaseSlaResponse:
        found = await self._reads.case_sla(
            current_principal(), case_id=request.case_id, case_number=request.case_number
        )
        return pb.GetCaseSlaResponse(case_sla=case_sla_message(found.case, found.policy, found.clocks, found.as_of))

    async def ListPolicies(self, request: pb.ListPoliciesRequest, context: Any) -> pb.ListPoliciesResponse:
        current = await self._admin.current(current_principal())
        return pb.ListPoliciesResponse(
            policies=[
                policy_message(p, is_default=p.name == current.default_policy)
                for _, p in sorted(current.policies.items())
            ],
            default_policy=current.default_policy,
        )

    async def GetPolicy(self, request: pb.GetPolicyRequest, context: Any) -> pb.GetPolicyResponse:
        policy, is_default = await self._admin.policy(current_principal(), request.name)
        return pb.GetPolicyResponse(policy=policy_message(policy, is_default=is_default))

    async def PutPolicy(self, request: pb.PutPolicyRequest, context: Any) -> pb.PutPolicyResponse:
        name, document, order = policy_document(request.policy)
        policy, created = await self._admin.put_policy(
            current_principal(), name, document, lambda error: restate_policy_error(error, name, order)
        )
        return pb.PutPolicyResponse(policy=policy_message(policy, is_default=False), created=created)

    async def DeletePolicy(self, request: pb.DeletePolicyRequest, context: Any) -> pb.DeletePolicyResponse:
        await self._admin.delete_policy(current_principal(), request.name)
        return pb.DeletePolicyResponse()

    async def ListCalendars(self, request: pb.ListCalendarsRequest, context: Any) -> pb.ListCalendarsResponse:
        current = await self._admin.current(current_principal())
        return pb.ListCalendarsResponse(calendars=[calendar_message(c) for _, c in sorted(current.calendars.items())])

    async def GetCalendar(self, request: pb.GetCalendarRequest, context: Any) -> pb.GetCalendarResponse:
        return pb.GetCalendarResponse(
            calendar=calendar_message(await self._admin.calendar(current_principal(), request.name))
        )

    async def PutCalendar(self, request: pb.PutCalendarRequest, context: Any) -> pb.PutCalendarResponse:
        name, document = calendar_document(request.calendar)
        calendar, created = await self._admin.put_calendar(
            current_principal(), name, document, lambda error: restate_calendar_error(error, name)
        )
        return pb.PutCalendarResponse(calendar=calendar_message(calendar), created=created)

    async def DeleteCalendar(self, request: pb.DeleteCalendarRequest, context: Any) -> pb.DeleteCalendarResponse:
        await self._admin.delete_calendar(current_principal(), request.name)
        return pb.DeleteCalendarResponse()

    async def ImportPolicySet(self, request: pb.ImportPolicySetRequest, context: Any) -> pb.ImportPolicySetResponse:
        imported = await self._admin.import_yaml(current_principal(), request.yaml, replace=request.replace)
        return pb.ImportPolicySetResponse(
            calendars=len(imported.calendars), policies=len(imported.policies), default_policy=imported.default_policy
        )

    async def ExportPolicySet(self, request: pb.ExportPolicySetRequest, context: Any) -> pb.ExportPolicySetResponse:
        return pb.ExportPolicySetResponse(yaml=await self._admin.export_yaml(current_principal()))

    async def GetComplianceReport(
        self, request: pb.GetComplianceReportRequest, context: Any
    ) -> pb.GetComplianceReportResponse:
        return report_message(await self._reads.compliance(current_principal(), report_filter(request)))
