"""The engineer's whole case: assigned, answered (the first-response clock is met and nothing more fires for
it), waiting for the customer (the clocks pause) and back, resolved with a fault report (the restore clock is
met), confirmed by the customer and closed. The timeline is in order, carries sla-timer's verdicts for staff,
and its hash chain verifies; every step was announced on the broker, in order."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.testing.processes import Seen
from aftercare_platform.testing.waiting import eventually

from .conftest import (
    AGENT,
    FIRST_RESPONSE_TARGET,
    FIRST_RESPONSE_WARNINGS,
    LOOP,
    REGION,
    Stack,
    auth,
    bearer,
    case_number_of,
    case_sla,
    case_work,
    clock,
    instant,
    register_company,
    report_fault,
    sla_facts,
    timeline,
)

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
FIRST_RESPONSE, RESTORE = sla_pb.CLOCK_KIND_FIRST_RESPONSE, sla_pb.CLOCK_KIND_RESTORE
CASE_STEPS = ["created", "assigned", "acknowledged", "waiting_for_customer", "note_added", "resumed", "resolved",
              "confirmed", "closed"]
FAULT_REPORT = cases_pb.FaultReport(
    cause="The PoE switch port of camera 3 had failed", method="Moved the camera to a spare port and reset it",
    result="Picture back on the wall and in the recorder", prevention="Port monitoring added to the NMS")


async def test_an_engineer_takes_a_case_from_assignment_to_the_customers_confirmation(stack: Stack) -> None:
    company = await register_company(stack, "riverside")
    receipt = await report_fault(stack, company, "Camera 3 at the loading bay shows a black picture", "VID-0")
    number = receipt.case_number or await case_number_of(stack, receipt.receipt_id)
    api, engineer_id = stack.cases_api, f"eng-{company.company_id}"
    engineer = auth(engineer_id, "engineer", regions=[REGION])

    # the desk assigns it and the engineer answers the customer at once
    assigned = (await api.Assign(cases_pb.AssignRequest(
        case_number=number, assignee_id=engineer_id, tier=cases_pb.TIER_ENGINEER, reason="on duty"),
        metadata=AGENT)).case
    assert (assigned.status, assigned.assignee_id, assigned.tier) == (
        cases_pb.CASE_STATUS_ASSIGNED, engineer_id, cases_pb.TIER_ENGINEER)
    acknowledged = (await api.Acknowledge(cases_pb.AcknowledgeRequest(
        case_number=number, message="On it: checking the switch port now"), metadata=engineer)).case
    assert acknowledged.status == cases_pb.CASE_STATUS_IN_PROGRESS
    case_id, opened = acknowledged.case_id, instant(acknowledged.created_at)
    answered_after = instant(acknowledged.acknowledged_at) - opened

    met = (await _sla_events(stack, case_id, "CLOCK_KIND_FIRST_RESPONSE", "met"))[0].parsed(sla_events.SlaMet)
    assert met.reason == "acknowledged"
    assert instant(met.stopped_time) == instant(acknowledged.acknowledged_at)
    assert met.business_elapsed.ToTimedelta() == answered_after
    response = clock(await case_sla(stack, number), FIRST_RESPONSE)
    assert response.status == sla_pb.CLOCK_STATUS_MET
    assert response.business_elapsed.ToTimedelta() == answered_after

    # the engineer needs the recorder's log: the clocks pause while the customer is asked
    waiting = (await api.SetWaitingForCustomer(cases_pb.SetWaitingForCustomerRequest(
        case_number=number, reason="Please send the recorder's log"), metadata=engineer)).case
    assert waiting.status == cases_pb.CASE_STATUS_WAITING_CUSTOMER
    await _restore_clock(stack, number, sla_pb.CLOCK_STATUS_PAUSED)
    await asyncio.sleep(0.5)  # a pause long enough to see in the restore clock's business time
    # the customer's answer ends the wait: the case and its clocks resume (issue 10)
    resumed = (await api.AddNote(cases_pb.AddNoteRequest(case_number=number, text="Log attached to our ticket 88-1"),
                                 metadata=company.customer)).case
    assert resumed.status == cases_pb.CASE_STATUS_IN_PROGRESS
    restore = await _restore_clock(stack, number, sla_pb.CLOCK_STATUS_RUNNING)
    assert len(restore.pauses) == 1 and restore.pauses[0].HasField("end_time")
    paused_for = instant(restore.pauses[0].end_time) - instant(restore.pauses[0].start_time)
    assert paused_for >= timedelta(seconds=0.5)
    assert clock(await case_sla(stack, number), FIRST_RESPONSE).status == sla_pb.CLOCK_STATUS_MET

    # fixed: resolved with the fault report, which stops the restore clock net of the pause
    resolved = (await api.Resolve(cases_pb.ResolveRequest(case_number=number, fault_report=FAULT_REPORT),
                                  metadata=engineer)).case
    assert resolved.status == cases_pb.CASE_STATUS_RESOLVED
    assert (resolved.fault_report.cause, resolved.fault_report.method, resolved.fault_report.result,
            resolved.fault_report.prevention) == (FAULT_REPORT.cause, FAULT_REPORT.method, FAULT_REPORT.result,
                                                  FAULT_REPORT.prevention)
    restored = (await _sla_events(stack, case_id, "CLOCK_KIND_RESTORE", "met"))[0].parsed(sla_events.SlaMet)
    assert restored.reason == "resolved"
    assert restored.business_elapsed.ToTimedelta() == instant(resolved.resolved_at) - opened - paused_for

    # the customer confirms: closed
    closed = (await api.Confirm(cases_pb.ConfirmRequest(case_number=number, comment="Works again, thank you"),
                                metadata=company.customer)).case
    assert closed.status == cases_pb.CASE_STATUS_CLOSED and closed.HasField("closed_at")

    # the timeline: one entry per step, positions 1..n, in time order, each chained to the one before; sla-timer's
    # verdicts recorded among them (for staff only), each after the step that stopped its clock
    async def both_verdicts_recorded() -> bool:
        return len([e for e in sla_facts(await timeline(stack, number)) if e.kind == "sla.met"]) >= 2

    await eventually(both_verdicts_recorded, within=30, what=f"both sla.met facts on the timeline of {number}")
    entries = await timeline(stack, number)
    work = case_work(entries)
    assert [e.kind for e in work] == [step for step in CASE_STEPS if step != "closed"]
    assert [e.position for e in entries] == list(range(1, len(entries) + 1))
    assert all(instant(a.occurred_at) <= instant(b.occurred_at) for a, b in pairwise(entries))
    assert all(b.previous_hash == a.hash for a, b in pairwise(entries))
    customer_id = f"contact-{company.company_id}"
    assert [e.actor.subject_id for e in work][1:] == [
        "desk-1", engineer_id, engineer_id, customer_id, customer_id, engineer_id, customer_id]
    verdicts = {json.loads(e.payload_json)["clock_kind"]: e for e in sla_facts(entries) if e.kind == "sla.met"}
    assert set(verdicts) == {"FIRST_RESPONSE", "RESTORE"}
    step_at = {e.kind: e.position for e in work}
    assert verdicts["FIRST_RESPONSE"].position > step_at["acknowledged"]
    assert verdicts["RESTORE"].position > step_at["resolved"]
    # docs/customers-and-slas.md: verdicts (met) are the customer's to see, warnings are not
    assert all((e.visibility == cases_pb.VISIBILITY_INTERNAL) == (e.kind == "sla.warning") for e in sla_facts(entries))
    assert {e.kind for e in sla_facts(await timeline(stack, number, metadata=company.customer))} <= {"sla.met"}
    verified = await api.VerifyTimeline(cases_pb.VerifyTimelineRequest(case_number=number), metadata=AGENT)
    assert (verified.ok, verified.entries_checked, verified.first_bad_position) == (True, len(entries), 0)
    assert verified.head_hash == entries[-1].hash
    over_http = await stack.http.get(stack.cases_url(f"/v1/cases/{number}/timeline/verification"),
                                     headers=bearer("desk-1", "agent"))
    assert over_http.status_code == 200 and over_http.json()["ok"] is True

    # every step was announced, in order, with the case's region in the routing key
    announced = await stack.events.wait_for(case_id, "aftercare.case.", len(CASE_STEPS))
    assert [e.verb for e in announced] == CASE_STEPS
    assert [e.routing_key for e in announced] == [f"case.{step}.{REGION}" for step in CASE_STEPS]
    assert all(e.data["caseNumber"] == number and e.data["companyId"] == company.company_id for e in announced)
    assert announced[-1].data["status"] == "CASE_STATUS_CLOSED"

    # past the first-response deadline nothing more fired for it: what fired is what was due before the answer
    await _sleep_until(opened + FIRST_RESPONSE_TARGET + timedelta(seconds=1))
    due_before_answer = ["warning" for after in FIRST_RESPONSE_WARNINGS if after <= answered_after]
    assert [e.verb for e in _of_clock(stack, case_id, "CLOCK_KIND_FIRST_RESPONSE")] == [*due_before_answer, "met"]
    assert [e.verb for e in _of_clock(stack, case_id, "CLOCK_KIND_RESTORE")] == ["met"]
    recorded = [(e.kind, json.loads(e.payload_json)["clock_kind"]) for e in sla_facts(await timeline(stack, number))]
    assert [kind for kind, clock_kind in recorded if clock_kind == "FIRST_RESPONSE"] == [
        *(f"sla.{verb}" for verb in due_before_answer), "sla.met"]
    explained = await case_sla(stack, number)
    response, restore = clock(explained, FIRST_RESPONSE), clock(explained, RESTORE)
    assert (response.status, restore.status) == (sla_pb.CLOCK_STATUS_MET, sla_pb.CLOCK_STATUS_MET)
    assert response.breach.state != sla_pb.ITEM_STATE_FIRED and not response.withdrawn
    assert all(c.status not in (sla_pb.CLOCK_STATUS_RUNNING, sla_pb.CLOCK_STATUS_PAUSED) for c in explained.clocks)


def _of_clock(stack: Stack, case_id: str, kind: str) -> list[Seen]:
    return [e for e in stack.events.of(case_id, "aftercare.sla.") if e.data.get("clockKind") == kind]


async def _sla_events(stack: Stack, case_id: str, kind: str, verb: str, within: float = 30) -> list[Seen]:
    async def arrived() -> bool:
        return any(e.verb == verb for e in _of_clock(stack, case_id, kind))

    await eventually(arrived, within=within, what=f"sla.{verb} of {kind} for {case_id}")
    return [e for e in _of_clock(stack, case_id, kind) if e.verb == verb]


async def _restore_clock(stack: Stack, number: str, status: int, within: float = 30) -> sla_pb.ClockExplanation:
    found: list[sla_pb.ClockExplanation] = []

    async def reached() -> bool:
        found[:] = [clock(await case_sla(stack, number), RESTORE)]
        return found[0].status == status

    await eventually(reached, within=within, what=f"the restore clock of {number} {sla_pb.ClockStatus.Name(status)}")
    return found[0]


async def _sleep_until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))
