"""Field visits end to end: an offline check-in stops sla-timer's on-site clock at the device's own
time (met, the breach fired meanwhile withdrawn), and the steps out of order are refused."""

from __future__ import annotations

import json
from datetime import timedelta

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2

from .conftest import AGENT, SUPERVISOR, Stack, auth, engineer, p1_case


async def test_an_offline_check_in_stops_the_on_site_clock_at_its_own_time(stack: Stack) -> None:
    await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=engineer("field-1")), metadata=SUPERVISOR)
    case = (await stack.cases_api.CreateCase(p1_case("visit-1", "mall-3"), metadata=AGENT)).case
    visit = (await stack.dispatch_api.RequestVisit(pb.RequestVisitRequest(
        case_id=case.case_id, reason="the recorder does not boot"), metadata=AGENT)).visit
    assert visit.site == "Gate 3"  # the case's asset site
    planned_time = visit.requested_time.ToDatetime() + timedelta(minutes=30)
    planned = pb.PlanVisitRequest(visit_id=visit.visit_id, engineer_id="field-1", parts=["HDD 4TB"])
    planned.planned_time.FromDatetime(planned_time)
    await stack.dispatch_api.PlanVisit(planned, metadata=AGENT)

    # the engineer's phone is offline: the 6 s on-site target passes and sla-timer fires the breach
    await stack.events.wait_for(case.case_id, "aftercare.sla.breached", 1, within=40)
    on_site_breaches = [e for e in stack.events.of(case.case_id, "aftercare.sla.breached")
                        if e.parsed(sla_events.SlaBreached).clock_kind == sla_pb2.CLOCK_KIND_ON_SITE]
    assert on_site_breaches, [e.data for e in stack.events.of(case.case_id, "aftercare.sla.breached")]

    # back online, it sends the check-in it recorded 2 s after the request
    arrived = visit.requested_time.ToDatetime() + timedelta(seconds=2)
    check_in = pb.CheckInRequest(visit_id=visit.visit_id)
    check_in.occurred_at.FromDatetime(arrived)
    done = (await stack.dispatch_api.CheckIn(check_in, metadata=auth("field-1", "engineer"))).visit
    assert done.status == pb.VISIT_STATUS_ON_SITE
    assert done.checked_in_time.ToDatetime() == arrived
    # heard of after the on-site target had run out
    assert done.check_in_received_time.ToDatetime() > visit.requested_time.ToDatetime() + timedelta(seconds=6)

    await stack.events.wait_for(case.case_id, "aftercare.sla.met", 1, within=30)
    met = [e.parsed(sla_events.SlaMet) for e in stack.events.of(case.case_id, "aftercare.sla.met")]
    on_site = [m for m in met if m.clock_kind == sla_pb2.CLOCK_KIND_ON_SITE]
    assert len(on_site) == 1
    assert on_site[0].stopped_time.ToDatetime() == arrived
    withdrawn = await stack.events.wait_for(case.case_id, "aftercare.sla.breach_withdrawn", 1, within=30)
    assert withdrawn[0].parsed(sla_events.SlaBreachWithdrawn).clock_kind == sla_pb2.CLOCK_KIND_ON_SITE
    visit_events = [e.type for e in stack.events.of(case.case_id, "aftercare.visit.")]
    assert visit_events == ["aftercare.visit.requested.v1", "aftercare.visit.planned.v1",
                            "aftercare.visit.checked_in.v1"]

    out = (await stack.dispatch_api.CheckOut(pb.CheckOutRequest(
        visit_id=visit.visit_id, report="disk replaced, recording again"), metadata=auth("field-1", "engineer")))
    assert out.visit.status == pb.VISIT_STATUS_CHECKED_OUT


async def test_visit_steps_out_of_order_are_refused_with_reasons(stack: Stack) -> None:
    case = (await stack.cases_api.CreateCase(p1_case("visit-2", "mall-4"), metadata=AGENT)).case
    visit = (await stack.dispatch_api.RequestVisit(pb.RequestVisitRequest(
        case_id=case.case_id, reason="check the UPS"), metadata=AGENT)).visit

    check_in = pb.CheckInRequest(visit_id=visit.visit_id)
    check_in.occurred_at.FromDatetime(visit.requested_time.ToDatetime() + timedelta(seconds=1))
    with pytest.raises(grpc.aio.AioRpcError) as never_planned:
        await stack.dispatch_api.CheckIn(check_in, metadata=AGENT)
    assert never_planned.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "never planned" in (never_planned.value.details() or "")

    with pytest.raises(grpc.aio.AioRpcError) as early:
        await stack.dispatch_api.CheckOut(pb.CheckOutRequest(visit_id=visit.visit_id, report="x"), metadata=AGENT)
    assert early.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "check in first" in (early.value.details() or "")

    with pytest.raises(grpc.aio.AioRpcError) as no_time:
        await stack.dispatch_api.CheckIn(pb.CheckInRequest(visit_id=visit.visit_id), metadata=AGENT)
    assert no_time.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    await stack.cases_api.Cancel(cases_pb.CancelRequest(case_id=case.case_id, reason=cases_pb.CANCEL_REASON_WITHDRAWN,
                                                        text="the customer fixed it"), metadata=AGENT)
    with pytest.raises(grpc.aio.AioRpcError) as closed:
        await stack.dispatch_api.RequestVisit(pb.RequestVisitRequest(case_id=case.case_id, reason="again"),
                                              metadata=AGENT)
    assert closed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no longer open" in (closed.value.details() or "")

    # the customer whose case it is sees the visit; another company's customer finds nothing
    own = await stack.dispatch_api.GetVisit(pb.GetVisitRequest(visit_id=visit.visit_id),
                                            metadata=auth("cust-1", "customer", "mall-4"))
    assert own.visit.visit_id == visit.visit_id
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await stack.dispatch_api.GetVisit(pb.GetVisitRequest(visit_id=visit.visit_id),
                                          metadata=auth("cust-2", "customer", "mall-5"))
    assert other.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as writing:
        await stack.dispatch_api.CheckOut(pb.CheckOutRequest(visit_id=visit.visit_id, report="x"),
                                          metadata=auth("cust-1", "customer", "mall-4"))
    assert writing.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as elsewhere:
        await stack.dispatch_api.GetVisit(pb.GetVisitRequest(visit_id=visit.visit_id),
                                          metadata=auth("eng-n", "engineer", regions=["north"]))
    assert elsewhere.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_loaner_is_issued_on_the_case_and_returned(stack: Stack) -> None:
    case = (await stack.cases_api.CreateCase(p1_case("loaner-1", "bank-2"), metadata=AGENT)).case
    # nobody is on duty for dispatch here: the desk assigns it by hand
    await stack.cases_api.Assign(cases_pb.AssignRequest(case_id=case.case_id, assignee_id="rma-1"), metadata=AGENT)
    issue = pb.IssueLoanerRequest(case_id=case.case_id, serial_number="NVR-L-9", device_class=3, faulty_class=3,
                                  manufacturer="Hikvision")
    issue.repair_started_time.FromDatetime(case.created_at.ToDatetime())
    loaner = (await stack.dispatch_api.IssueLoaner(issue, metadata=AGENT)).loaner
    assert loaner.status == pb.LOANER_STATUS_ISSUED
    delivered = await stack.events.wait_for(case.case_id, "aftercare.loaner.delivered", 1, within=30)
    assert delivered[0].data["serialNumber"] == "NVR-L-9"
    shown = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
    assert list(shown.open_loaner_serials) == ["NVR-L-9"]

    with pytest.raises(grpc.aio.AioRpcError) as weaker:
        await stack.dispatch_api.IssueLoaner(pb.IssueLoanerRequest(
            case_id=case.case_id, serial_number="CAM-0", device_class=1, faulty_class=3,
            repair_started_time=issue.repair_started_time), metadata=AGENT)
    assert weaker.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "device_class" in str(weaker.value.details())

    back = (await stack.dispatch_api.ReturnLoaner(pb.ReturnLoanerRequest(loaner_id=loaner.loaner_id),
                                                  metadata=AGENT)).loaner
    assert back.status == pb.LOANER_STATUS_RETURNED
    shown = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
    assert list(shown.open_loaner_serials) == []


async def test_an_rma_walks_its_steps_on_the_case_and_tells_the_loaner_clock(stack: Stack) -> None:
    case = (await stack.cases_api.CreateCase(p1_case("rma-1", "bank-3"), metadata=AGENT)).case
    await stack.cases_api.Assign(cases_pb.AssignRequest(case_id=case.case_id, assignee_id="rma-1"), metadata=AGENT)
    rma = (await stack.dispatch_api.RequestRma(pb.RequestRmaRequest(case_id=case.case_id, reason="NVR PSU dead"),
                                               metadata=AGENT)).rma
    assert (rma.serial_number, rma.manufacturer, rma.step) == ("SN-1", "Hikvision", "requested")
    shown = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
    assert shown.rma

    with pytest.raises(grpc.aio.AioRpcError) as skipped:
        await stack.dispatch_api.AdvanceRma(pb.AdvanceRmaRequest(rma_id=rma.rma_id, step="repair_started"),
                                            metadata=AGENT)
    assert skipped.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "next comes approved" in (skipped.value.details() or "")

    for step in ("approved", "shipped_to_vendor", "repair_started", "replaced", "returned", "installed"):
        await stack.dispatch_api.AdvanceRma(pb.AdvanceRmaRequest(rma_id=rma.rma_id, step=step, repairer="vendor"),
                                            metadata=AGENT)
    events = await stack.events.wait_for(case.case_id, "aftercare.rma.", 7, within=30)
    assert [e.type for e in events] == [
        "aftercare.rma.requested.v1", "aftercare.rma.approved.v1", "aftercare.rma.shipped_to_vendor.v1",
        "aftercare.rma.repair_started.v1", "aftercare.rma.fixed.v1", "aftercare.rma.returned.v1",
        "aftercare.rma.installed.v1"]
    timeline = (await stack.cases_api.GetTimeline(cases_pb.GetTimelineRequest(case_id=case.case_id),
                                                  metadata=AGENT)).entries
    steps = [json.loads(e.payload_json)["activity"]["rma_step"] for e in timeline if e.kind == "activity_recorded"]
    assert steps == ["requested", "approved", "shipped_to_vendor", "repair_started", "replaced", "returned",
                     "installed"]
