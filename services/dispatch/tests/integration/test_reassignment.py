"""The 45-minute rule end to end: a case nobody answers is given to the next duty engineer at the
policy's mark, exactly once — with two dispatch replicas consuming, with the same warning delivered
again under a new event id, and with a replica SIGKILLed the moment the warning fires."""

from __future__ import annotations

import uuid

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.testing.waiting import eventually

from .conftest import ADMIN, AGENT, SUPERVISOR, Stack, engineer, p1_case, round_the_clock


async def _case(stack: Stack, case_id: str) -> cases_pb.Case:
    return (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case_id), metadata=AGENT)).case


async def _staff(stack: Stack) -> None:
    """eng-a and eng-b on duty round the clock with supervisor sup-1; eng-c on no roster."""
    for person in ("eng-a", "eng-b", "eng-c"):
        await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=engineer(person)), metadata=SUPERVISOR)
    await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(
        engineer=engineer("sup-1", tier=pb.ENGINEER_TIER_SUPERVISOR)), metadata=SUPERVISOR)
    roster = round_the_clock("east-duty", "eng-a", "eng-b", "sup-1")
    await stack.dispatch_api.PutRoster(pb.PutRosterRequest(roster=roster), metadata=ADMIN)


async def _open_unanswered(stack: Stack, request_id: str) -> str:
    created = (await stack.cases_api.CreateCase(p1_case(request_id, "acme"), metadata=AGENT)).case

    async def assigned() -> bool:
        return (await _case(stack, created.case_id)).assignee_id != ""

    await eventually(assigned, within=30, what="dispatch assigns the new case")
    return created.case_id


async def _assert_replaced_once(stack: Stack, case_id: str) -> None:
    """After the breach: one routing and one replacement on the timeline, one reassigned event."""
    async def replaced() -> bool:
        return (await _case(stack, case_id)).assignee_id == "eng-b"

    await eventually(replaced, within=40, what="the assignee is replaced at the policy's mark")
    # wait until the breach has come and its notify resolved: a second replacement would be in by now
    await stack.events.wait_for(case_id, "aftercare.sla.breached", 1, within=40)
    await stack.events.wait_for(case_id, "aftercare.dispatch.roles_resolved", 2, within=40)
    timeline = (await stack.cases_api.GetTimeline(cases_pb.GetTimelineRequest(case_id=case_id),
                                                  metadata=AGENT)).entries
    assert len([e for e in timeline if e.kind == "assigned"]) == 2
    assert (await _case(stack, case_id)).assignee_id == "eng-b"
    assert len(stack.events.ids(case_id, "aftercare.dispatch.reassigned")) == 1
    rows = await stack.query("SELECT count(*) AS n FROM dispatch.decisions WHERE case_id = $1 AND purpose = $2",
                             case_id, "replace")
    assert rows[0]["n"] == 1


async def test_an_unanswered_case_is_reassigned_to_the_next_duty_engineer_once(stack: Stack) -> None:
    await _staff(stack)
    case_id = await _open_unanswered(stack, "storm-1")
    # equal loads, nobody assigned before: the tie goes to the first engineer by id
    assert (await _case(stack, case_id)).assignee_id == "eng-a"

    await _assert_replaced_once(stack, case_id)
    told = stack.events.of(case_id, "aftercare.dispatch.reassigned")[0].parsed(dispatch_events.DispatchReassigned)
    assert (told.previous_engineer_id, told.engineer_id) == ("eng-a", "eng-b")
    assert told.instruction == "answer the customer at once"

    explained = (await stack.dispatch_api.ExplainAssignment(
        pb.ExplainAssignmentRequest(case_id=case_id), metadata=AGENT)).decisions
    routing = [d for d in explained if d.purpose in ("route", "replace")]
    assert [(d.purpose, d.chosen_engineer_id, d.state) for d in routing] == [
        ("route", "eng-a", "done"), ("replace", "eng-b", "done")]
    failed = {c.engineer_id: list(c.failed) for c in routing[1].candidates}
    assert failed["eng-a"] == ["excluded: the engineer being replaced"]
    assert failed["eng-c"] == ["on_duty: not on duty now"]
    assert failed["sup-1"][0].startswith("tier: is supervisor")
    assert failed["eng-b"] == []

    # "supervisor" in the 8 s warning's notify action is the region's supervisor on duty
    resolved = [e.parsed(dispatch_events.DispatchRolesResolved)
                for e in stack.events.of(case_id, "aftercare.dispatch.roles_resolved")]
    warning = next(r for r in resolved if r.trigger.startswith("warning"))
    assert list(warning.roles["supervisor"].engineer_ids) == ["sup-1"]
    assert list(warning.roles["assignee"].engineer_ids) == ["eng-b"]

    # the same warning delivered again under a new event id (a duplicate from upstream): nothing more
    first_warning = stack.events.of(case_id, "aftercare.sla.warning")[0]
    again = CloudEvent(type=first_warning.type, source="/services/sla-timer", subject=case_id, region="east",
                       data=first_warning.data, id=str(uuid.uuid4()))
    await stack.events.broker.publish(OutgoingMessage(body=again.to_json(), message_id=again.id,
                                                      routing_key=again.routing_key))

    async def handled() -> bool:
        rows = await stack.query("SELECT 1 FROM dispatch.inbox WHERE event_id = $1", again.id)
        return bool(rows)

    await eventually(handled, within=30, what="a dispatch replica handles the duplicate warning")
    await _assert_replaced_once(stack, case_id)


async def test_a_replica_killed_as_the_warning_fires_still_replaces_exactly_once(stack: Stack) -> None:
    await _staff(stack)
    case_id = await _open_unanswered(stack, "storm-kill")
    victim = stack.dispatchers[0]
    await stack.events.wait_for(case_id, "aftercare.sla.warning", 1, within=30)
    assert victim.process is not None
    victim.process.kill()  # SIGKILL: whatever it held unacknowledged goes back to the queue
    await victim.process.wait()
    victim.process = None
    await victim.start()
    await _assert_replaced_once(stack, case_id)
