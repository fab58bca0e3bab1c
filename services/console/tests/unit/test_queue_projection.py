"""The queue's read model on the handler tier: events in (through the inbox), rows out in urgency order,
each reader seeing only its own scope."""

from datetime import timedelta

from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.bus.envelope import payload_to_dict
from aftercare_platform.testing.handlers import ServiceBench
from console.domain.queue import QueueFilter, Urgency
from console.entrypoints.consumers import subscriptions
from console.handlers import ConsoleHandlers
from console.reads import ConsoleReads
from google.protobuf.timestamp_pb2 import Timestamp

from .conftest import NOW

AGENT = Principal("agent-1", Role.AGENT, regions=frozenset({"east"}))


def stamp(minutes: int) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(NOW + timedelta(minutes=minutes))
    return value


def created(case_id: str, number: str, company: str, priority: int, minutes: int,
            region: str = "east") -> events_pb2.CaseCreated:
    return events_pb2.CaseCreated(case_id=case_id, case_number=number, region=region, company_id=company,
                                  priority=priority, status=cases_pb2.CASE_STATUS_NEW, occurred_at=stamp(minutes),
                                  description=f"fault {number}")


async def test_events_build_the_queue_in_urgency_order_within_each_readers_scope(bench: ServiceBench) -> None:
    handlers = ConsoleHandlers(bench.database)
    on_case, on_clock, _ = subscriptions(handlers)
    for data in (created("c1", "EA-1", "acme", cases_pb2.PRIORITY_P3, 0),
                 created("c2", "EA-2", "acme", cases_pb2.PRIORITY_P1, 1),
                 created("c3", "EA-3", "boreal", cases_pb2.PRIORITY_P2, 2),
                 created("c4", "WE-4", "boreal", cases_pb2.PRIORITY_P1, 3, region="west")):
        event = bench.event("aftercare.case.created.v1", subject=data.case_id, data=payload_to_dict(data))
        assert await bench.deliver(on_case, event)
    reads = ConsoleReads(bench.database)
    assert [r.case_number for r in await reads.queue(AGENT, QueueFilter())] == ["EA-2", "EA-3", "EA-1"]

    warning = sla_events.SlaWarning(case_id="c1", case_number="EA-1", region="east", company_id="acme",
                                    priority=cases_pb2.PRIORITY_P3, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE,
                                    cycle=1, deadline=stamp(30))
    event = bench.event("aftercare.sla.warning.v1", subject="c1", data=payload_to_dict(warning))
    assert await bench.deliver(on_clock, event)
    assert not await bench.deliver(on_clock, event)  # a redelivery is absorbed by the inbox
    rows = await reads.queue(AGENT, QueueFilter())
    assert (rows[0].case_number, rows[0].urgency) == ("EA-1", Urgency.WARNED)
    assert rows[0].next_deadline == NOW + timedelta(minutes=30)

    customer = Principal("alice", Role.CUSTOMER, company_id="boreal")
    assert [r.case_number for r in await reads.queue(customer, QueueFilter())] == ["WE-4", "EA-3"]
    nobody = Principal("eve", Role.CUSTOMER)
    assert await reads.queue(nobody, QueueFilter()) == []
    assert [r.case_number for r in await reads.queue(AGENT, QueueFilter(priority="P1"))] == ["EA-2"]


async def test_a_window_of_case_and_clock_events_makes_the_rows_one_by_one_would(bench: ServiceBench) -> None:
    handlers = ConsoleHandlers(bench.database)
    on_case, on_clock, _ = subscriptions(handlers)
    first = bench.event("aftercare.case.created.v1", subject="c1",
                        data=payload_to_dict(created("c1", "EA-1", "acme", cases_pb2.PRIORITY_P3, 0)))
    assert await bench.deliver_window(on_case, [first]) == 1
    assigned = events_pb2.CaseAssigned(case_id="c1", case_number="EA-1", region="east", company_id="acme",
                                       priority=cases_pb2.PRIORITY_P2, assignee_id="eng-zhao",
                                       status=cases_pb2.CASE_STATUS_ASSIGNED, occurred_at=stamp(10))
    window = [first,  # a redelivery: the inbox leaves it out
              bench.event("aftercare.case.assigned.v1", subject="c1", data=payload_to_dict(assigned)),
              bench.event("aftercare.case.created.v1", subject="c2",
                          data=payload_to_dict(created("c2", "EA-2", "acme", cases_pb2.PRIORITY_P1, 1)))]
    assert await bench.deliver_window(on_case, window) == 2
    warning = sla_events.SlaWarning(case_id="c2", case_number="EA-2", region="east", company_id="acme",
                                    priority=cases_pb2.PRIORITY_P1, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE,
                                    cycle=1, deadline=stamp(30))
    met = sla_events.SlaMet(case_id="c2", case_number="EA-2", region="east", company_id="acme",
                            priority=cases_pb2.PRIORITY_P1, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, cycle=1)
    policy = sla_events.SlaPolicyApplied(case_id="c2", policy="default")
    clocks = [bench.event("aftercare.sla.warning.v1", subject="c2", data=payload_to_dict(warning)),
              bench.event("aftercare.sla.policy_applied.v1", subject="c2", data=payload_to_dict(policy)),
              bench.event("aftercare.sla.met.v1", subject="c2", data=payload_to_dict(met))]
    assert await bench.deliver_window(on_clock, clocks) == 3
    rows = {row.case_number: row for row in await ConsoleReads(bench.database).queue(AGENT, QueueFilter())}
    assert (rows["EA-1"].assignee_id, rows["EA-1"].priority, rows["EA-1"].status) == ("eng-zhao", "P2", "assigned")
    # warned then met in one window: the clock is gone again, the case runs
    assert (rows["EA-2"].urgency, rows["EA-2"].next_deadline) == (Urgency.RUNNING, None)


async def test_a_form_acts_once_per_request_id(bench: ServiceBench) -> None:
    handlers = ConsoleHandlers(bench.database)
    assert await handlers.claim("a" * 32, "agent-1", "note", "c1")
    assert not await handlers.claim("a" * 32, "agent-1", "note", "c1")
    # another user's identical id is its own form
    assert await handlers.claim("a" * 32, "agent-2", "note", "c1")
    await handlers.release("a" * 32, "agent-1")
    assert await handlers.claim("a" * 32, "agent-1", "note", "c1")


async def test_saved_views_belong_to_their_user(bench: ServiceBench) -> None:
    handlers, reads = ConsoleHandlers(bench.database), ConsoleReads(bench.database)
    await handlers.save_view("agent-1", "east P1", "priority=P1&region=east")
    await handlers.save_view("agent-1", "east P1", "priority=P1&region=east&view=breached")  # saved again: replaced
    await handlers.save_view("agent-2", "mine", "view=mine")
    assert await reads.saved_views("agent-1") == [("east P1", "priority=P1&region=east&view=breached")]
    assert await reads.saved_views("agent-3") == []


async def test_my_team_shows_the_cases_of_everyone_sharing_a_team_with_me(bench: ServiceBench) -> None:
    from aftercare.dispatch.v1 import dispatch_pb2
    from console.domain.queue import team_members

    handlers = ConsoleHandlers(bench.database)
    on_case, *_ = subscriptions(handlers)
    for case_id, assignee in (("c1", "eng-zhao"), ("c2", "eng-li"), ("c3", "eng-wu"), ("c4", "")):
        data = created(case_id, f"EA-{case_id}", "acme", cases_pb2.PRIORITY_P2, int(case_id[1]))
        assert await bench.deliver(on_case, bench.event("aftercare.case.created.v1", subject=case_id,
                                                        data=payload_to_dict(data)))
        if assignee:
            assigned = events_pb2.CaseAssigned(case_id=case_id, case_number=f"EA-{case_id}", region="east",
                                               company_id="acme", priority=cases_pb2.PRIORITY_P2,
                                               assignee_id=assignee, status=cases_pb2.CASE_STATUS_ASSIGNED,
                                               occurred_at=stamp(10))
            assert await bench.deliver(on_case, bench.event("aftercare.case.assigned.v1", subject=case_id,
                                                            data=payload_to_dict(assigned)))
    teams = [dispatch_pb2.Team(team_id="t1", member_ids=["eng-zhao", "eng-li"]),
             dispatch_pb2.Team(team_id="t2", member_ids=["eng-wu", "eng-ma"])]
    team = team_members("eng-zhao", teams)
    assert team == ("eng-li", "eng-zhao")
    zhao = Principal("eng-zhao", Role.ENGINEER, regions=frozenset({"east"}))
    reads = ConsoleReads(bench.database)
    assert sorted(r.case_number for r in await reads.queue(zhao, QueueFilter(view="team", team=team))) == [
        "EA-c1", "EA-c2"]
    # no team known (dispatch silent): only the viewer's own cases
    assert [r.case_number for r in await reads.queue(zhao, QueueFilter(view="team"))] == ["EA-c1"]
    assert QueueFilter.of({"view": "team", "team": "eng-wu"}).team == ()  # never from the query string


async def test_dispatchs_reassignments_reach_the_supervisor_in_scope_once(bench: ServiceBench) -> None:
    from aftercare.dispatch.v1 import events_pb2 as dispatch_events

    handlers = ConsoleHandlers(bench.database)
    *_, on_reassigned = subscriptions(handlers)
    for key, region, instruction, minutes in (("d1", "east", "answer the customer at once", 1), ("d2", "east", "", 2),
                                              ("d3", "west", "answer the customer at once", 3)):
        data = dispatch_events.DispatchReassigned(
            case_id=f"c-{key}", case_number=f"EA-{key}", region=region, company_id="acme", occurred_at=stamp(minutes),
            decision_key=key, engineer_id="eng-li", previous_engineer_id="eng-zhao", reason="no first response",
            instruction=instruction)
        event = bench.event("aftercare.dispatch.reassigned.v1", subject=f"c-{key}", data=payload_to_dict(data))
        assert await bench.deliver(on_reassigned, event)
        assert not await bench.deliver(on_reassigned, event)  # a redelivery is absorbed
    supervisor = Principal("sup-1", Role.SUPERVISOR, regions=frozenset({"east"}))
    rows = await ConsoleReads(bench.database).reassignments(supervisor)
    assert [(r["case_number"], r["sla_rule"], r["previous_engineer_id"], r["engineer_id"]) for r in rows] == [
        ("EA-d2", False, "eng-zhao", "eng-li"), ("EA-d1", True, "eng-zhao", "eng-li")]
    assert rows[0]["occurred_at"] == NOW + timedelta(minutes=2)
    assert await ConsoleReads(bench.database).reassignments(Principal("bob", Role.CUSTOMER, company_id="boreal")) == []
