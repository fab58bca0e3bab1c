"""The events notify consumes: case, SLA and inspection events, survey's invitations and unsatisfied answers,
and dispatch's alert for a case nobody can take; one queue, planned in the inbox transaction."""

from __future__ import annotations

from collections.abc import Callable

from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork

from notify.adapters.notices import notice_from_event
from notify.handlers import NotifyHandlers

QUEUE = "notify.events"
BINDINGS = ["case.#", "sla.#", "inspection.#", "survey.sent.*", "survey.unsatisfied.*", "dispatch.supervisor_alert.*"]


def subscriptions(handlers: NotifyHandlers, planned: Callable[[], None]) -> list[EventSubscription]:
    async def on_event(event: CloudEvent, uow: UnitOfWork) -> None:
        await handlers.on_notice(notice_from_event(event), uow)
        planned()  # the sender looks at once (it finds the rows once this transaction commits)

    return [EventSubscription(QUEUE, BINDINGS, on_event)]
