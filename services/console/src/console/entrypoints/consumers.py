"""The events the console reads into its queue: every case event (its snapshot head) and every clock event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts.case_snapshot import case_snapshot
from aftercare_platform.contracts.event_types import parse_data
from aftercare_platform.db.unit_of_work import UnitOfWork

from console.adapters.vocabulary import CLOCK_KINDS, COMPLAINT_ABOUT, PRIORITIES
from console.domain.queue import CaseFact, ClockFact
from console.handlers import ConsoleHandlers

# sla-timer's events that say nothing of a clock (the case's policy and its reply settings: cases keeps them)
NOT_CLOCK_EVENTS = frozenset({"aftercare.sla.policy_applied.v1"})


def case_fact(event: CloudEvent) -> CaseFact:
    snapshot = case_snapshot(event)
    verb = event.type.split(".")[2]
    description, review = "", False
    if verb == "created":
        description = parse_data(event, case_events.CaseCreated).description
    elif verb == "complaint_filed":
        about = parse_data(event, case_events.CaseComplaintFiled).about
        review = COMPLAINT_ABOUT.short(about, "data.about") == "engineer"
    return CaseFact(case_id=snapshot.case_id, verb=verb, occurred_at=snapshot.occurred_at,
                    case_number=snapshot.case_number, region=snapshot.region, company_id=snapshot.company_id,
                    priority=snapshot.priority, status=snapshot.status, assignee_id=snapshot.assignee_id,
                    tier=snapshot.tier, description=description, review_requested=review)


def clock_fact(event: CloudEvent) -> ClockFact:
    message: Any = parse_data(event)
    # met_withdrawn changes no queue row (the clock runs on), but must parse like the others
    assert isinstance(message, sla_events.SlaWarning | sla_events.SlaBreached | sla_events.SlaMet
                      | sla_events.SlaBreachWithdrawn | sla_events.SlaMetWithdrawn)
    deadline = message.deadline.ToDatetime(tzinfo=UTC) if message.HasField("deadline") else None
    return ClockFact(case_id=message.case_id or event.subject, verb=event.type.split(".")[2],
                     clock=CLOCK_KINDS.short(message.clock_kind, "data.clock_kind") or "",
                     cycle=message.cycle, deadline=deadline, case_number=message.case_number,
                     region=message.region or event.region, company_id=message.company_id,
                     priority=PRIORITIES.short(message.priority, "data.priority"))


def reassignment_row(event: CloudEvent) -> dict[str, Any]:
    message = parse_data(event, dispatch_events.DispatchReassigned)
    return {"decision_key": message.decision_key or event.id, "case_id": message.case_id or event.subject,
            "case_number": message.case_number, "region": message.region or event.region,
            "company_id": message.company_id, "engineer_id": message.engineer_id,
            "previous_engineer_id": message.previous_engineer_id, "reason": message.reason[:400],
            "sla_rule": bool(message.instruction),
            "occurred_at": message.occurred_at.ToDatetime(tzinfo=UTC) if message.HasField("occurred_at") else None}


def subscriptions(handlers: ConsoleHandlers) -> list[EventSubscription]:
    # the queue is a row per case that every case and clock event rewrites: a window's events are applied together
    async def on_cases(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
        await handlers.on_queue_facts([case_fact(event) for event in events], uow)

    async def on_clocks(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
        await handlers.on_queue_facts([clock_fact(event) for event in events if event.type not in NOT_CLOCK_EVENTS],
                                      uow)

    async def on_reassigned(event: CloudEvent, uow: UnitOfWork) -> None:
        await handlers.on_reassigned(reassignment_row(event), uow)

    return [EventSubscription("console.queue-cases", ["case.*.*"], window_handler=on_cases),
            EventSubscription("console.queue-clocks", ["sla.*.*"], window_handler=on_clocks),
            EventSubscription("console.reassignments", ["dispatch.reassigned.*"], on_reassigned)]
