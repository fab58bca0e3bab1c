"""The consumer: a duplicated delivery has one effect, events out of order are judged by their own time,
events for cases never seen are placed by their snapshot, and a clock that cannot start is parked."""

from __future__ import annotations

from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict

from .conftest import SECOND, Bus, Sla, eventually, new_case, query, utc_now


async def test_the_same_event_delivered_twice_has_one_effect(sla: Sla, bus: Bus, database_url: str) -> None:
    case = new_case(10)
    at = utc_now()
    created = case.event("created", at)
    acknowledged = case.event("acknowledged", at + SECOND, first_response=True)
    for event in (created, created, acknowledged, acknowledged):
        await bus.publish(event)

    async def both_handled() -> bool:
        rows = await query(database_url, "SELECT count(*) AS n FROM sla_timer.inbox")
        return int(rows[0]["n"]) == 2

    await eventually(both_handled, within=30, what="both events handled")
    await bus.wait_for(1, case)
    clocks = await query(database_url, "SELECT kind, status, version FROM sla_timer.clocks ORDER BY kind")
    assert [(c["kind"], c["status"]) for c in clocks] == [
        ("DIAGNOSIS_REPORT", "RUNNING"),
        ("FIRST_RESPONSE", "MET"),
        ("RESTORE", "RUNNING"),
    ]
    assert bus.kinds(case) == ["met"]
    await eventually(lambda: _applied_to(bus, case.case_id), within=30, what="the policy_applied event")
    # the case's policy told once (when its clocks were first planned), the met once
    assert dict(bus.emitted(case)) == {"aftercare.sla.met.v1": 1, "aftercare.sla.policy_applied.v1": 1}
    (applied,) = [r.event["data"] for r in bus.applied if r.event["subject"] == case.case_id]
    assert (applied["policy"], applied["customerReplyResumes"], applied["reopenWindowDays"]) == ("seconds", True, 14)


async def _applied_to(bus: Bus, case_id: str) -> bool:
    return any(r.event["subject"] == case_id for r in bus.applied)


async def test_an_acknowledgement_before_its_creation_is_applied_when_the_case_comes(
    sla: Sla, bus: Bus, database_url: str
) -> None:
    case = new_case(11)
    at = utc_now()
    await bus.publish(case.event("acknowledged", at + SECOND, first_response=True))

    async def placed() -> bool:
        rows = await query(database_url, "SELECT status FROM sla_timer.clocks WHERE case_id = $1", case.case_id)
        return [r["status"] for r in rows] == ["NOT_STARTED"]

    await eventually(placed, within=30, what="the stop remembered for a case not seen yet")
    await bus.publish(case.event("created", at))
    await bus.wait_for(1, case)
    assert bus.kinds(case) == ["met"]
    known = await query(database_url, "SELECT case_number, company_id FROM sla_timer.cases")
    assert [(r["case_number"], r["company_id"]) for r in known] == [(case.case_number, case.company_id)]


async def test_a_visit_request_for_an_unknown_case_without_a_priority_is_parked(
    sla: Sla, bus: Bus, database_url: str
) -> None:
    case = new_case(12)
    message = dispatch_events.VisitRequested(
        case_id=case.case_id,
        case_number=case.case_number,
        region="east",
        company_id=case.company_id,
        visit_id="visit-1",
    )
    event = CloudEvent(
        type="aftercare.visit.requested.v1",
        source="/services/dispatch",
        subject=case.case_id,
        region="east",
        data=payload_to_dict(message),
    )
    before = await bus.broker.queue_depth("sla-timer.case-events.dlq")
    await bus.publish(event)

    async def parked() -> bool:
        return await bus.broker.queue_depth("sla-timer.case-events.dlq") == before + 1

    await eventually(parked, within=30, what="the visit request parked")
    assert await query(database_url, "SELECT * FROM sla_timer.clocks") == []
