"""Nobody answers a P1 case: sla-timer warns at 2 s and 4 s and announces the breach at 6 s, each once, in
order and never before it is due, counted from the moment cases opened the case; cases records each on the
case's timeline for staff."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.common.v1 import common_pb2 as common_pb
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.testing.processes import Seen
from aftercare_platform.testing.waiting import eventually

from .conftest import (
    AGENT,
    FIRST_RESPONSE_TARGET,
    FIRST_RESPONSE_WARNINGS,
    LOOP,
    POLICY,
    REGION,
    Stack,
    case_number_of,
    case_sla,
    case_work,
    clock,
    get_case,
    instant,
    register_company,
    report_fault,
    sla_facts,
    sla_known,
    timeline,
)

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
FIRST_RESPONSE = sla_pb.CLOCK_KIND_FIRST_RESPONSE


async def test_without_an_answer_the_warnings_then_the_breach_come_due_in_order_never_early(stack: Stack) -> None:
    company = await register_company(stack, "silentsite")
    receipt = await report_fault(stack, company, "All cameras of the car park are offline", "NET-404")
    number = await case_number_of(stack, receipt.receipt_id)
    case = await get_case(stack, number)
    opened = instant(case.created_at)
    await sla_known(stack, number)

    # the three firings of the first-response clock, taken off our own queue bound to sla.#
    def first_response_events() -> list[Seen]:
        return [e for e in stack.events.of(case.case_id, "aftercare.sla.")
                if e.data.get("clockKind") == "CLOCK_KIND_FIRST_RESPONSE"]

    async def fired() -> bool:
        return len(first_response_events()) >= 3

    deadline = opened + FIRST_RESPONSE_TARGET
    await eventually(fired, within=(deadline - datetime.now(UTC)).total_seconds() + 20,
                     what="two warnings and the breach of the first-response clock")
    seen = first_response_events()
    assert [(e.verb, e.routing_key) for e in seen] == [("warning", f"sla.warning.{REGION}"),
                                                       ("warning", f"sla.warning.{REGION}"),
                                                       ("breached", f"sla.breached.{REGION}")]

    warnings = [e.parsed(sla_events.SlaWarning) for e in seen[:2]]
    breach = seen[2].parsed(sla_events.SlaBreached)
    for index, (warning, after) in enumerate(zip(warnings, FIRST_RESPONSE_WARNINGS, strict=True)):
        assert (warning.case_id, warning.case_number, warning.company_id) == (case.case_id, number, company.company_id)
        assert (warning.policy, warning.priority, warning.cycle) == (POLICY, cases_pb.PRIORITY_P1, 1)
        assert (warning.warning_index, warning.warning_label) == (index, f"{after.seconds}s")
        assert instant(warning.due_time) == opened + after  # counted from cases' own creation time
        assert instant(warning.deadline) == deadline
        assert [a.kind for a in warning.actions] == [sla_pb.ACTION_KIND_NOTIFY]
    assert (breach.case_id, breach.policy, breach.found_on_stop) == (case.case_id, POLICY, False)
    assert instant(breach.due_time) == instant(breach.deadline) == deadline
    assert [a.kind for a in breach.actions] == [
        sla_pb.ACTION_KIND_NOTIFY, sla_pb.ACTION_KIND_REASSIGN, sla_pb.ACTION_KIND_ESCALATE]

    # never early: neither by sla-timer's own account nor by when the broker handed it to us
    for event, due in zip(seen, [*(instant(w.due_time) for w in warnings), deadline], strict=True):
        fired_at = instant(event.parsed(sla_events.SlaBreached if event.verb == "breached"
                                        else sla_events.SlaWarning).occurred_at)
        assert fired_at >= due, f"{event.type} fired at {fired_at}, before it was due at {due}"
        assert event.arrived_at >= due, f"{event.type} reached the broker at {event.arrived_at}, due at {due}"

    # once: a little later there is still one of each, and GetCaseSla tells the same story
    await asyncio.sleep(1)
    assert len(first_response_events()) == 3
    response = clock(await case_sla(stack, number), FIRST_RESPONSE)
    assert "Breached under P1" in response.why  # the target in force is named (issue 10)
    assert [(w.state, instant(w.due_time)) for w in response.warnings] == [
        (sla_pb.ITEM_STATE_FIRED, opened + after) for after in FIRST_RESPONSE_WARNINGS]
    assert all(instant(w.fired_time) >= instant(w.due_time) for w in response.warnings)
    assert response.breach.state == sla_pb.ITEM_STATE_FIRED
    assert instant(response.breach.fired_time) >= deadline
    assert not response.withdrawn
    assert response.business_elapsed.ToTimedelta() >= FIRST_RESPONSE_TARGET
    # the restore clock runs on, far from its own deadline
    restore = clock(await case_sla(stack, number), sla_pb.CLOCK_KIND_RESTORE)
    assert restore.status == sla_pb.CLOCK_STATUS_RUNNING
    assert [e.verb for e in stack.events.of(case.case_id, "aftercare.sla.")
            if e.verb != "policy_applied" and e.data.get("clockKind") != "CLOCK_KIND_FIRST_RESPONSE"] == []

    # cases recorded each on the case's timeline, in the order they fired, for staff only
    async def recorded() -> bool:
        return len(sla_facts(await timeline(stack, number))) >= 3

    await eventually(recorded, within=30, what=f"the SLA facts on the timeline of {number}")
    entries = await timeline(stack, number)
    facts = sla_facts(entries)
    assert [e.kind for e in facts] == ["sla.warning", "sla.warning", "sla.breached"]
    # docs/customers-and-slas.md: a verdict (breached) is the customer's to see, a warning never is
    assert [e.visibility for e in facts] == [cases_pb.VISIBILITY_INTERNAL] * 2 + [cases_pb.VISIBILITY_PUBLIC]
    assert all((e.actor.subject_id, e.actor.role) == ("service:sla-timer", common_pb.ACTOR_ROLE_SYSTEM)
               for e in facts)
    recorded_facts = [json.loads(e.payload_json) for e in facts]
    assert [p["event_id"] for p in recorded_facts] == [e.id for e in seen]
    assert [p["clock_kind"] for p in recorded_facts] == ["FIRST_RESPONSE"] * 3
    assert [p.get("warning_index", "breach") for p in recorded_facts] == [0, 1, "breach"]
    assert [datetime.fromisoformat(p["due_time"]) for p in recorded_facts] == [
        opened + after for after in (*FIRST_RESPONSE_WARNINGS, FIRST_RESPONSE_TARGET)]
    assert [e.kind for e in case_work(entries)] == ["created"]
    verified = await stack.cases_api.VerifyTimeline(cases_pb.VerifyTimelineRequest(case_number=number),
                                                    metadata=AGENT)
    assert (verified.ok, verified.entries_checked) == (True, len(entries))
    assert [e.kind for e in sla_facts(await timeline(stack, number, metadata=company.customer))] == ["sla.breached"]

    # the case itself is untouched: nobody acted on it (dispatch would carry out the breach actions)
    untouched = await get_case(stack, number)
    assert (untouched.status, untouched.assignee_id) == (cases_pb.CASE_STATUS_NEW, "")


async def test_get_case_sla_calls_a_clock_whose_breach_fired_breached(stack: Stack) -> None:
    company = await register_company(stack, "latecare")
    receipt = await report_fault(stack, company, "Door controller of block B does not respond", "ACS-17")
    number = await case_number_of(stack, receipt.receipt_id)
    case = await get_case(stack, number)
    await stack.events.wait_for(case.case_id, "aftercare.sla.breached.", 1, within=30)
    response = clock(await case_sla(stack, number), FIRST_RESPONSE)
    assert response.breach.state == sla_pb.ITEM_STATE_FIRED
    assert response.status == sla_pb.CLOCK_STATUS_BREACHED
