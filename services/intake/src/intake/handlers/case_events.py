"""What intake learns from case events: which cases are open (for duplicates and alarm folding), and
the downtime of resolved P1 cases (for the warranty extension). Idempotent: the inbox drops a
redelivered event, and a stale event never rolls a case's status back."""

from __future__ import annotations

from dataclasses import replace

from aftercare.cases.v1 import events_pb2
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts.case_snapshot import case_snapshot
from aftercare_platform.contracts.event_types import case_event_type, parse_data
from aftercare_platform.db.unit_of_work import UnitOfWork

from intake.adapters import case_index, sql
from intake.adapters.case_index import KnownCase
from intake.domain.identification import asset_key

CREATED = case_event_type("created")
RESOLVED = case_event_type("resolved")
QUEUE = "intake.case-events"


async def on_case_event(event: CloudEvent, uow: UnitOfWork) -> None:
    snapshot = case_snapshot(event, require_case=False)
    if not snapshot.case_id or not snapshot.case_number:
        return
    at, status, priority = snapshot.occurred_at, snapshot.status or "new", snapshot.priority
    session = uow.session
    # events of one case may be handled concurrently: one at a time per case, so each sees the other's effect
    await sql.lock_key(session, f"case:{snapshot.case_id}")
    if event.type == CREATED:
        created = parse_data(event, events_pb2.CaseCreated)
        serial = created.asset.serial_number
        known = KnownCase(
            case_id=snapshot.case_id, case_number=snapshot.case_number, company_id=snapshot.company_id or None,
            contract_id=snapshot.contract_id or None,
            asset_key=asset_key(created.asset.manufacturer, serial) if serial else None,
            description=created.description, error_codes=tuple(created.error_codes), priority=priority,
            status=status, opened_at=at, event_at=at)
        await case_index.record_case(session, known)
        await case_index.complete_downtime(session, known)
        return
    existing = await case_index.find_case(session, snapshot.case_id)
    if existing is not None:
        await case_index.record_case(
            session, replace(existing, status=status, priority=priority or existing.priority, event_at=at))
    if event.type == RESOLVED and priority == "P1":
        await case_index.record_resolution(session, case_id=snapshot.case_id, case_number=snapshot.case_number,
                                           contract_id=snapshot.contract_id or None, restored_at=at)


def case_events_subscription() -> EventSubscription:
    return EventSubscription(QUEUE, ["case.*.*"], on_case_event)
