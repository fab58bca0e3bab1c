"""The events survey consumes: each parsed into a typed value and handed to a handler.

The platform's consumer runs each in one unit of work with the inbox: a redelivered event is absorbed."""

from __future__ import annotations

from collections.abc import Sequence

from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork

from survey.domain.sla_counts import SlaCount
from survey.handlers import SurveyHandlers


def sla_count(event: CloudEvent) -> SlaCount | None:
    """What an SLA verdict adds to its case's counters (None: not a verdict survey counts)."""
    if event.type == "aftercare.sla.breached.v1":
        return SlaCount(event.data_as(sla_events.SlaBreached).case_id, breaches=1)
    if event.type == "aftercare.sla.breach_withdrawn.v1":
        return SlaCount(event.data_as(sla_events.SlaBreachWithdrawn).case_id, breaches=-1)
    if event.type == "aftercare.sla.met.v1":
        return SlaCount(event.data_as(sla_events.SlaMet).case_id, met=1)
    return None


def subscriptions(handlers: SurveyHandlers) -> list[EventSubscription]:
    async def on_case(event: CloudEvent, uow: UnitOfWork) -> None:
        if event.type == "aftercare.case.closed.v1":
            await handlers.on_case_closed(event.data_as(case_events.CaseClosed), uow)
        elif event.type == "aftercare.case.reopened.v1":
            await handlers.on_case_reopened(event.data_as(case_events.CaseReopened), uow)
        elif event.type == "aftercare.case.activity_recorded.v1":
            await handlers.on_activity(event.data_as(case_events.CaseActivityRecorded), uow)

    # every verdict of every clock comes here (a burst of breaches among them): a window's are written at once
    async def on_sla(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
        await handlers.on_sla_counts([count for count in map(sla_count, events) if count is not None], uow)

    return [
        # one queue for a case's events keeps close and reopen in their order
        EventSubscription("survey.cases", ["case.closed.*", "case.reopened.*", "case.activity_recorded.*"], on_case),
        EventSubscription("survey.sla", ["sla.breached.*", "sla.breach_withdrawn.*", "sla.met.*"],
                          window_handler=on_sla),
    ]
