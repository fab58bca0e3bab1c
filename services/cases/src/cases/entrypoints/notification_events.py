"""Who was told what, and when: notify's outcomes on the case's timeline.

`cases.notifications` binds `notification.sent.*` and `notification.failed.*`: each becomes one INTERNAL
timeline entry of kind `notification.sent` / `notification.failed`, written by the system actor
`service:notify` in the consumer's unit of work (inbox claim and entry commit together: a redelivered event
is still one entry). The entry names the recipient (id and role), the channel, the provider and the event
the message was about (`case.created`, `sla.breached`, ...); a failure also says why and after how many
attempts. Staff read them through GetTimeline / WatchCase; customers never (the address is not in it).

Decisions:
- Internal: the desk needs to see that the supervisor was told of a breach; the customer is told the work,
  not the plumbing.
- A digest (one message standing for several held ones, about several cases) names no case: skipped.
- A notification about no case cases knows (a campaign's survey invitation is about a contact, not a case;
  its "case" is the invitation) is skipped with a log line, not parked: notify also speaks of things that
  are not cases, and nothing here would ever make it one.
- `notification.delivered` is not recorded: a receipt is the provider's bookkeeping, and the sent entry
  already says the message left.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from aftercare.notify.v1 import events_pb2, notify_pb2
from aftercare_platform.bus.consumer import EventSubscription, PermanentError
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts import EnumMap
from aftercare_platform.contracts.event_types import parse_data
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.errors import InvalidArgument

from cases.domain.vocabulary import Visibility
from cases.handlers import CaseHandlers

log = logging.getLogger(__name__)

QUEUE = "cases.notifications"
BINDINGS = ["notification.sent.*", "notification.failed.*"]
SOURCE = "notify"
CHANNELS = EnumMap.words(notify_pb2.DeliveryChannel)
KINDS = {"aftercare.notification.sent.v1": "notification.sent",
         "aftercare.notification.failed.v1": "notification.failed"}


def entry_payload(event: CloudEvent) -> tuple[str, dict[str, Any]] | None:
    """The case id and the timeline entry's payload; None when the notification is about no one case."""
    try:
        message: Any = parse_data(event)
    except InvalidArgument as bad:
        raise PermanentError(f"{event.type} {event.id}: data does not parse: {bad}") from bad
    if not message.case_id or (isinstance(message, events_pb2.NotificationSent) and message.digest_of):
        return None
    payload: dict[str, Any] = {
        "delivery_id": message.delivery_id,
        "about": message.event_type,
        "about_event_id": message.event_id,
        "recipient_id": message.recipient_id,
        "role": message.role or None,
        "channel": CHANNELS.spell(message.channel),
        "provider": message.provider or None,
        "occurred_at": message.occurred_at.ToDatetime(tzinfo=UTC).isoformat(timespec="microseconds")
        if message.HasField("occurred_at") else None,
        "event_id": event.id,
    }
    if isinstance(message, events_pb2.NotificationFailed):
        payload.update(error=message.error or None, attempts=int(message.attempts))
    return message.case_id, {k: v for k, v in payload.items() if v is not None}


def notification_events(handlers: CaseHandlers) -> EventSubscription:
    async def on_notification(event: CloudEvent, uow: UnitOfWork) -> None:
        kind = KINDS.get(event.type)
        found = entry_payload(event) if kind is not None else None
        if kind is None or found is None:
            log.info("skipping %s %s: not about one case", event.type, event.id)
            return
        case_id, payload = found
        try:
            outcome = await handlers.record_fact(uow, case_id, source=SOURCE, kind=kind, payload=payload,
                                                 visibility=Visibility.INTERNAL)
        except InvalidArgument:  # not even the shape of a case id (a campaign's invitation)
            outcome = None
        if outcome is None:
            log.info("skipping %s %s: case %s is not one cases has", event.type, event.id, case_id)

    return EventSubscription(QUEUE, BINDINGS, on_notification)
