"""inspection as a real process among real cases, intake and dispatch processes: a due on-site visit
becomes a dispatch field visit and the customer's notice; a failed item becomes a case in cases,
linked both ways, also when intake was stopped at that moment; a report not submitted in time is
overdue — never early; the PDF report renders (its text extracted)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as dispatch_pb
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare_platform.calendar.working_days import add_working_days, china_working_days
from aftercare_platform.testing.waiting import eventually
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pypdf import PdfReader

from .conftest import AGENT, ENGINEER, LOOP, REGION, Stack, auth

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]
CN = china_working_days()


def plan(company: str, checklist: str, **fields: object) -> pb.Plan:
    base: dict[str, object] = dict(company_id=company, contract_id=f"{company}-C1", site_id=f"{company}-S1",
                                   asset_group="servers", region=REGION, title="Quarterly health check",
                                   preset="quarterly", starts_on=add_working_days(
                                       CN, CN.local_date(datetime.now(UTC)), 1).isoformat(),
                                   checklist_id=checklist, mode=pb.INSPECTION_MODE_REMOTE, horizon_days=30)
    return pb.Plan(**{**base, **fields})  # type: ignore[arg-type]


async def started(stack: Stack, company: str, **fields: object) -> str:
    checklist = await stack.checklist(f"health-{company}")
    created = await stack.inspection.CreatePlan(pb.CreatePlanRequest(plan=plan(company, checklist.checklist_id,
                                                                               **fields)), metadata=AGENT)
    visit_id = created.scheduled[0].inspection_id
    await stack.inspection.StartInspection(pb.StartInspectionRequest(inspection_id=visit_id), metadata=ENGINEER)
    return str(visit_id)


async def inspection(stack: Stack, visit_id: str) -> pb.Inspection:
    return (await stack.inspection.GetInspection(pb.GetInspectionRequest(inspection_id=visit_id),
                                                 metadata=AGENT)).inspection


async def test_a_due_on_site_visit_becomes_a_dispatch_visit_and_the_customers_notice(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.inspection_process.target) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="aftercare.inspection.v1.InspectionService"))
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    company = await stack.company("notice")
    checklist = await stack.checklist(f"health-{company}")
    # an on-site visit the next working day, the customer told 1 working day ahead: the notice is due now
    created = await stack.inspection.CreatePlan(pb.CreatePlanRequest(plan=plan(
        company, checklist.checklist_id, mode=pb.INSPECTION_MODE_ON_SITE, notice_working_days=1)), metadata=AGENT)
    (scheduled,) = created.scheduled
    (notice,) = await stack.tap.wait_for(scheduled.inspection_id, "aftercare.inspection.notice_due", 1)
    assert notice.data["companyId"] == company and notice.data["scheduledOn"] == scheduled.scheduled_on

    async def dispatched() -> bool:
        return bool((await inspection(stack, scheduled.inspection_id)).dispatch_visit_id)

    try:
        await eventually(dispatched, within=60, what="the field visit requested in dispatch")
    except AssertionError as failed:
        raise AssertionError(f"{failed}\n{stack.inspection_process.tail()}") from None
    found = await inspection(stack, scheduled.inspection_id)
    visit = (await stack.dispatch.GetVisit(dispatch_pb.GetVisitRequest(visit_id=found.dispatch_visit_id),
                                           metadata=AGENT)).visit
    assert visit.case_id == found.dispatch_case_id and visit.site == f"{company}-S1"
    assert scheduled.inspection_id in visit.reason
    case = (await stack.cases.GetCase(cases_pb.GetCaseRequest(case_id=visit.case_id), metadata=AGENT)).case
    assert case.channel == cases_pb.CHANNEL_INSPECTION and scheduled.inspection_id in case.description


async def test_a_failed_item_opens_a_case_linked_back_also_when_intake_was_stopped(stack: Stack) -> None:
    company = await stack.company("finding")
    visit_id = await started(stack, company)
    await stack.intake_process.stop()
    try:
        recorded = await stack.inspection.RecordResult(pb.RecordResultRequest(
            inspection_id=visit_id, item_id="disk", value=93.0, text="volume /data"), metadata=ENGINEER)
        (finding,) = recorded.inspection.findings
        assert finding.state == "pending" and not finding.case_id
        await stack.tap.wait_for(visit_id, "aftercare.inspection.finding_raised", 1)
    finally:
        await stack.intake_process.start()

    async def opened() -> bool:
        return any(f.case_id for f in (await inspection(stack, visit_id)).findings)

    await eventually(opened, within=60, what="the finding's case opened once intake was back")
    (kept,) = (await inspection(stack, visit_id)).findings
    assert kept.state == "opened" and kept.case_number
    case = (await stack.cases.GetCase(cases_pb.GetCaseRequest(case_id=kept.case_id), metadata=AGENT)).case
    assert case.channel == cases_pb.CHANNEL_INSPECTION and case.company_id == company
    assert kept.finding_id in case.description and "Disk used (%) failed (measured 93)" in case.description


async def test_a_report_not_submitted_in_time_is_overdue_never_early_and_its_pdf_renders(stack: Stack) -> None:
    company = await stack.company("report")
    # every day worked: one working day after the visit is exactly 24 hours; done 24 h less 8 s ago
    visit_id = await started(stack, company, calendar="24x7", report_working_days=1)
    for item, fields in (("db", {"passed": True}), ("disk", {"value": 55.0})):
        await stack.inspection.RecordResult(pb.RecordResultRequest(inspection_id=visit_id, item_id=item, **fields),
                                            metadata=ENGINEER)
    performed = Timestamp()
    performed.FromDatetime(datetime.now(UTC) - timedelta(hours=24) + timedelta(seconds=8))
    completed = await stack.inspection.CompleteInspection(pb.CompleteInspectionRequest(
        inspection_id=visit_id, performed_time=performed), metadata=ENGINEER)
    due = completed.report.due_time.ToDatetime(tzinfo=UTC)
    assert due == performed.ToDatetime(tzinfo=UTC) + timedelta(hours=24)
    (overdue,) = await stack.tap.wait_for(visit_id, "aftercare.inspection.report_overdue", 1, within=60)
    assert overdue.arrived_at >= due
    assert datetime.fromisoformat(overdue.data["occurredAt"].replace("Z", "+00:00")) >= due
    report = (await stack.inspection.GetReport(pb.GetReportRequest(inspection_id=visit_id), metadata=AGENT)).report
    assert report.overdue and report.state == pb.REPORT_STATE_DUE

    base = f"http://127.0.0.1:{stack.inspection_process.http_port}"
    customer = dict(auth("li.lei", "customer", company=company))
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        got = await http.get(f"/v1/inspections/{visit_id}/report.pdf", headers=customer)
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(got.content)).pages)
        assert "Inspection report" in text and "Disk used (%): pass = 55" in text and visit_id in text
        stranger = dict(auth("mallory", "customer", company="someone-else"))
        assert (await http.get(f"/v1/inspections/{visit_id}/report.pdf", headers=stranger)).status_code == 404
        assert (await http.get(f"/v1/inspections/{visit_id}/report.html")).status_code == 401


async def test_a_watch_gets_its_duty_roster_in_dispatch_and_a_late_one_is_refused(stack: Stack) -> None:
    company = await stack.company("watch")
    members = [f"{company}-eng-{n}" for n in (1, 2)]
    for member in members:
        await stack.dispatch.PutEngineer(dispatch_pb.PutEngineerRequest(engineer=dispatch_pb.Engineer(
            engineer_id=member, subject=member, name=member, tier=dispatch_pb.ENGINEER_TIER_FIELD_ENGINEER,
            regions=[REGION], capacity=5, active=True)), metadata=auth("admin-1", "admin"))
    today = CN.local_date(datetime.now(UTC))
    request = pb.RequestWatchRequest(company_id=company, contract_id=f"{company}-C1", region=REGION,
                                     event_name="Year-end closing", starts_on=(today + timedelta(days=30)).isoformat(),
                                     ends_on=(today + timedelta(days=32)).isoformat(), sites=[f"{company}-S1"],
                                     systems=["billing"], engineer_ids=members)
    customer = auth("li.lei", "customer", company=company)
    watch = (await stack.inspection.RequestWatch(request, metadata=customer)).watch
    assert watch.on_site_from == (today + timedelta(days=27)).isoformat() and watch.pre_event_inspection_id
    await stack.tap.wait_for(watch.watch_id, "aftercare.watch.requested", 1)

    async def rostered() -> bool:
        return bool((await stack.inspection.GetWatch(pb.GetWatchRequest(watch_id=watch.watch_id),
                                                     metadata=customer)).watch.roster_id)

    await eventually(rostered, within=60, what="the watch's duty roster put in dispatch")
    roster = (await stack.dispatch.GetRoster(dispatch_pb.GetRosterRequest(roster_id=f"watch-{watch.watch_id}"),
                                             metadata=AGENT)).roster
    assert list(roster.layers[0].member_ids) == members
    late = pb.RequestWatchRequest(**{**{f.name: getattr(request, f.name) for f in pb.RequestWatchRequest.DESCRIPTOR
                                        .fields if f.name not in ("sites", "systems", "engineer_ids")},
                                     "starts_on": (today + timedelta(days=10)).isoformat(),
                                     "ends_on": (today + timedelta(days=11)).isoformat()}, sites=[f"{company}-S1"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stack.inspection.RequestWatch(late, metadata=customer)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "21 days ahead" in (refused.value.details() or "")
