"""The queue intake consumes: every case event, read into `CaseNews` and handed to `handlers.case_events`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts import EnumMap
from aftercare_platform.contracts.case_snapshot import case_snapshot, snapshot_message
from aftercare_platform.contracts.event_types import case_event_type
from aftercare_platform.db.unit_of_work import UnitOfWork

from intake.domain.downtime import vendor_outage
from intake.handlers import case_events
from intake.handlers.case_events import CaseNews, CaseOpening

CREATED = case_event_type("created")
RESOLVED = case_event_type("resolved")
QUEUE = "intake.case-events"
BINDINGS = ["case.*.*"]
FAULT_PARTIES = EnumMap.words(cases_pb2.FaultParty)


def case_news(event: CloudEvent) -> CaseNews | None:
    """What a case event says, or None when it names no case (nothing to learn)."""
    message = snapshot_message(event)  # parsed once: the snapshot, the opening and the fault report read it
    snapshot = case_snapshot(event, require_case=False, message=message)
    if not snapshot.case_id or not snapshot.case_number:
        return None
    opening = None
    if event.type == CREATED:
        created = message
        opening = CaseOpening(manufacturer=created.asset.manufacturer, serial_number=created.asset.serial_number,
                              description=created.description, error_codes=tuple(created.error_codes),
                              caller_email=created.caller.email, caller_phone=created.caller.phone)
    outage = None
    if event.type == RESOLVED:
        report = message.fault_report
        party = FAULT_PARTIES.spell(report.fault_party) or "unknown"
        outage = vendor_outage(party, _instant(report, "outage_started_at"), _instant(report, "restored_at"),
                               snapshot.case_number)
    return CaseNews(snapshot, opening=opening, resolved=event.type == RESOLVED, vendor_outage=outage)


def _instant(message: Any, name: str) -> datetime | None:
    return getattr(message, name).ToDatetime(tzinfo=UTC) if message.HasField(name) else None


async def on_case_events(events: Sequence[CloudEvent], uow: UnitOfWork) -> None:
    """Every case event of every case comes here: a window's are learnt together (see `case_events.learn`)."""
    await case_events.learn(uow, [news for news in map(case_news, events) if news is not None])


def subscriptions() -> list[EventSubscription]:
    return [EventSubscription(QUEUE, BINDINGS, window_handler=on_case_events)]
