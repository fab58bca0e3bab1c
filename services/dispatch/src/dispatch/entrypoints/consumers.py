"""The events dispatch consumes.

`dispatch.case-events`: a new case (or one reopened with nobody holding it) is routed (Assign through
cases); assignments, resolutions,
closures, cancellations and reopenings keep dispatch's view of who holds which open case (the
load routing weighs).
`dispatch.sla-actions`: SLA warnings and breaches; their `reassign`, `escalate` and `notify`
actions are carried out once per firing and action (see handlers.py).

A payload that does not parse is parked at once (PermanentError); cases being unavailable is
retried by the consumer with backoff.
"""

from __future__ import annotations

import logging
from typing import Any

from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare_platform.bus.consumer import EventSubscription, PermanentError
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork
from google.protobuf import json_format

from dispatch.adapters.inbound_events import case_to_route, sla_firing
from dispatch.handlers import DispatchHandlers

log = logging.getLogger(__name__)

CASE_QUEUE = "dispatch.case-events"
CASE_BINDINGS = [f"case.{verb}.*" for verb in ("created", "assigned", "resolved", "closed", "cancelled", "reopened")]
SLA_QUEUE = "dispatch.sla-actions"
SLA_BINDINGS = ["sla.warning.*", "sla.breached.*"]

# case event type -> (payload message, whether the case is open afterwards)
_CASE_STATE: dict[str, tuple[Any, bool]] = {
    "aftercare.case.assigned.v1": (case_events.CaseAssigned, True),
    "aftercare.case.resolved.v1": (case_events.CaseResolved, False),
    "aftercare.case.closed.v1": (case_events.CaseClosed, False),
    "aftercare.case.cancelled.v1": (case_events.CaseCancelled, False),
    "aftercare.case.reopened.v1": (case_events.CaseReopened, True),
}


def _parse(event: CloudEvent, message: Any) -> Any:
    try:
        return event.data_as(message)
    except json_format.ParseError as bad:
        raise PermanentError(f"{event.type} {event.id}: data does not parse: {bad}") from bad


def subscriptions(handlers: DispatchHandlers) -> list[EventSubscription]:
    async def on_case_event(event: CloudEvent, uow: UnitOfWork) -> None:
        if event.type == "aftercare.case.created.v1":
            created = _parse(event, case_events.CaseCreated)
            if created.assignee_id:
                await handlers.note_case(uow, case_id=created.case_id, case_number=created.case_number,
                                         region=created.region, company_id=created.company_id,
                                         assignee_id=created.assignee_id, open_=True)
                return
            await handlers.route_new_case(uow, case_to_route(created), created.case_number)
            return
        known = _CASE_STATE.get(event.type)
        if known is None:
            log.info("skipping %s %s", event.type, event.id)
            return
        message, still_open = known
        m = _parse(event, message)
        await handlers.note_case(uow, case_id=m.case_id, case_number=m.case_number, region=m.region,
                                 company_id=m.company_id, assignee_id=m.assignee_id or None, open_=still_open)
        if event.type == "aftercare.case.reopened.v1" and not m.assignee_id:
            # back at the desk with nobody holding it: routed like a new case, once per reopening
            await handlers.route_returned_case(uow, m.case_id, f"reopened-{m.reopen_count}")

    async def on_sla_event(event: CloudEvent, uow: UnitOfWork) -> None:
        breach = event.type == "aftercare.sla.breached.v1"
        if not breach and event.type != "aftercare.sla.warning.v1":
            return
        m = _parse(event, sla_events.SlaBreached if breach else sla_events.SlaWarning)
        if not m.case_id:
            raise PermanentError(f"{event.type} {event.id} names no case")
        firing, label = sla_firing(m, breach=breach)
        if firing.actions:
            await handlers.act_on_firing(uow, firing, m.region, label)

    return [EventSubscription(CASE_QUEUE, CASE_BINDINGS, on_case_event),
            EventSubscription(SLA_QUEUE, SLA_BINDINGS, on_sla_event)]
