"""The queue's order: breached before warned before running before waiting; done cases leave it."""

from datetime import UTC, datetime, timedelta

from console.domain.queue import CaseFact, ClockFact, QueueFilter, Urgency, apply_case, apply_clock, apply_facts

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def created(case_id: str = "c1", at: datetime = T0, priority: str = "P2") -> CaseFact:
    return CaseFact(case_id=case_id, verb="created", occurred_at=at, case_number="EA-1", region="east",
                    company_id="acme", priority=priority, status="new", description="printer on fire")


def clock(verb: str, deadline: datetime | None = T0 + timedelta(hours=1), kind: str = "first_response") -> ClockFact:
    return ClockFact(case_id="c1", verb=verb, clock=kind, cycle=1, deadline=deadline)


def test_a_new_case_runs_and_a_warning_then_a_breach_raise_its_urgency() -> None:
    row = apply_case(None, created())
    assert (row.urgency, row.next_deadline, row.description) == (Urgency.RUNNING, None, "printer on fire")
    row = apply_clock(row, clock("warning"))
    assert (row.urgency, row.next_deadline) == (Urgency.WARNED, T0 + timedelta(hours=1))
    row = apply_clock(row, clock("breached"))
    assert row.urgency == Urgency.BREACHED
    # a late warning of the same clock never lowers a breach
    assert apply_clock(row, clock("warning")).urgency == Urgency.BREACHED
    assert apply_clock(row, clock("breach_withdrawn")).urgency == Urgency.WARNED
    assert apply_clock(row, clock("met")).urgency == Urgency.RUNNING


def test_a_clock_event_before_the_created_event_still_makes_one_row() -> None:
    row = apply_clock(None, ClockFact(case_id="c1", verb="warning", clock="restore", cycle=1, deadline=T0,
                                      case_number="EA-1", region="east", company_id="acme", priority="P1"))
    row = apply_case(row, created(priority="P1"))
    assert (row.case_number, row.urgency, row.priority_rank, row.created_at) == ("EA-1", Urgency.WARNED, 1, T0)


def test_a_window_of_facts_applies_each_in_order_to_what_the_earlier_ones_made() -> None:
    stored = {"c2": apply_case(None, created("c2"))}
    facts = [created("c1"), clock("warning"), created("c3"), clock("breached"),
             CaseFact(case_id="c2", verb="resolved", occurred_at=T0 + timedelta(minutes=5), status="resolved")]
    changed = apply_facts(stored, facts)
    # one row per case the window touched, each the same as applying its facts one by one
    assert set(changed) == {"c1", "c2", "c3"}
    one_by_one = apply_clock(apply_clock(apply_case(None, created("c1")), clock("warning")), clock("breached"))
    assert changed["c1"] == one_by_one and changed["c1"].urgency == Urgency.BREACHED
    assert changed["c2"].urgency == Urgency.DONE and changed["c2"].case_number == "EA-1"  # kept from the stored row
    assert changed["c3"] == apply_case(None, created("c3"))
    assert apply_facts(stored, []) == {}


def test_an_older_case_event_arriving_late_changes_no_status() -> None:
    row = apply_case(None, created())
    row = apply_case(row, CaseFact(case_id="c1", verb="waiting_for_customer", occurred_at=T0 + timedelta(minutes=5),
                                   status="waiting_customer", priority="P2"))
    assert row.urgency == Urgency.WAITING
    stale = apply_case(row, CaseFact(case_id="c1", verb="assigned", occurred_at=T0 + timedelta(minutes=1),
                                     status="assigned", assignee_id="eng-1", priority="P2"))
    assert (stale.status, stale.assignee_id) == ("waiting_customer", "")


def test_resolved_cases_leave_the_queue_and_complaints_need_review_until_reassigned() -> None:
    row = apply_case(None, created())
    row = apply_case(row, CaseFact(case_id="c1", verb="complaint_filed", occurred_at=T0 + timedelta(minutes=1),
                                   status="in_progress", review_requested=True))
    assert row.supervisor_review
    row = apply_case(row, CaseFact(case_id="c1", verb="assigned", occurred_at=T0 + timedelta(minutes=2),
                                   status="assigned", assignee_id="eng-2"))
    assert not row.supervisor_review and row.assignee_id == "eng-2"
    row = apply_case(row, CaseFact(case_id="c1", verb="resolved", occurred_at=T0 + timedelta(minutes=3),
                                   status="resolved", assignee_id="eng-2"))
    assert row.urgency == Urgency.DONE


def test_the_filter_keeps_only_what_it_knows() -> None:
    chosen = QueueFilter.of({"view": "breached", "priority": "P9", "region": " east ", "company": "acme"})
    assert chosen == QueueFilter(view="breached", priority="", region="east", company_id="acme")
    assert chosen.as_query() == {"view": "breached", "region": "east", "company": "acme"}
    assert QueueFilter.of({"view": "drop table"}).view == ""


def test_a_met_withdrawn_event_parses_and_leaves_the_running_clock_alone() -> None:
    from aftercare.sla.v1 import events_pb2, sla_pb2
    from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
    from console.entrypoints.consumers import clock_fact

    message = events_pb2.SlaMetWithdrawn(case_id="c1", clock_kind=sla_pb2.CLOCK_KIND_RESTORE, cycle=1,
                                         reason="resolution rejected")
    event = CloudEvent(type="aftercare.sla.met_withdrawn.v1", source="/services/sla-timer", subject="c1",
                       region="east", data=payload_to_dict(message))
    fact = clock_fact(event)
    assert (fact.verb, fact.clock, fact.cycle) == ("met_withdrawn", "RESTORE", 1)
    row = apply_case(None, created())
    assert apply_clock(row, fact).urgency == Urgency.RUNNING


async def test_the_policy_applied_event_is_no_clock_and_is_skipped() -> None:
    from aftercare.sla.v1 import events_pb2
    from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
    from console.entrypoints.consumers import subscriptions

    seen: list[object] = []

    class Handlers:
        async def on_queue_facts(self, facts: list[object], uow: object) -> None:
            seen.extend(facts)

    on_clock = next(s for s in subscriptions(Handlers()) if s.queue == "console.queue-clocks")  # type: ignore[arg-type]
    message = events_pb2.SlaPolicyApplied(case_id="c1", policy="default", customer_reply_resumes=True,
                                          reopen_window_days=14)
    event = CloudEvent(type="aftercare.sla.policy_applied.v1", source="/services/sla-timer", subject="c1",
                       region="east", data=payload_to_dict(message))
    await on_clock.handle_one(event, None)  # type: ignore[arg-type]
    assert seen == []
