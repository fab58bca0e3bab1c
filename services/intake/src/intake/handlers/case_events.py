"""What intake learns from case events: which cases are open (for duplicates and alarm folding), and
the downtime of resolved P1 cases (for the warranty extension). Idempotent: the inbox drops a
redelivered event, and a stale event never rolls a case's status back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare_platform.bus.consumer import EventSubscription
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork
from google.protobuf import json_format

from intake.adapters import case_index, sql
from intake.adapters.case_index import KnownCase
from intake.domain.identification import asset_key

CREATED = "aftercare.case.created.v1"
RESOLVED = "aftercare.case.resolved.v1"
QUEUE = "intake.case-events"
# fields 1-14 of every case event: the case after the change
_SNAPSHOT = ("caseId", "caseNumber", "region", "companyId", "contractId", "priority", "category", "kind",
             "assigneeId", "tier", "rma", "status", "occurredAt", "actor")


def _enum_value(descriptor: Any, number: int, prefix: str) -> str | None:
    if not number:
        return None
    return str(descriptor.values_by_number[number].name).removeprefix(prefix).lower()


def _snapshot(event: CloudEvent) -> events_pb2.CaseCreated:
    """The common snapshot of any case event (read into CaseCreated, whose first 14 fields are it)."""
    message = events_pb2.CaseCreated()
    wanted = event.data if event.type == CREATED else {k: v for k, v in event.data.items() if k in _SNAPSHOT}
    json_format.ParseDict(wanted, message, ignore_unknown_fields=True)
    return message


def _at(message: events_pb2.CaseCreated, event: CloudEvent) -> datetime:
    return message.occurred_at.ToDatetime(tzinfo=UTC) if message.HasField("occurred_at") else event.time


async def on_case_event(event: CloudEvent, uow: UnitOfWork) -> None:
    snapshot = _snapshot(event)
    if not snapshot.case_id or not snapshot.case_number:
        return
    at = _at(snapshot, event)
    status = _enum_value(cases_pb2.CaseStatus.DESCRIPTOR, snapshot.status, "CASE_STATUS_") or "new"
    priority = _enum_value(cases_pb2.Priority.DESCRIPTOR, snapshot.priority, "PRIORITY_")
    priority = priority.upper() if priority else None
    session = uow.session
    # events of one case may be handled concurrently: one at a time per case, so each sees the other's effect
    await sql.lock_key(session, f"case:{snapshot.case_id}")
    if event.type == CREATED:
        serial = snapshot.asset.serial_number
        known = KnownCase(
            case_id=snapshot.case_id, case_number=snapshot.case_number, company_id=snapshot.company_id or None,
            contract_id=snapshot.contract_id or None,
            asset_key=asset_key(snapshot.asset.manufacturer, serial) if serial else None,
            description=snapshot.description, error_codes=tuple(snapshot.error_codes), priority=priority,
            status=status, opened_at=at, event_at=at, caller_email=snapshot.caller.email or None,
            caller_phone=snapshot.caller.phone or None)
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
