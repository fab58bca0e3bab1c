"""What intake learns from case events: which cases are open (for duplicates and alarm folding), and
the vendor-fault outages of resolved cases (for the warranty extension). Idempotent: the inbox drops a
redelivered event, and a stale event never rolls a case's status back.

The events are read in `entrypoints/consumers.py`; this module gets what they say as `CaseNews`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aftercare_platform.contracts.case_snapshot import CaseSnapshot
from aftercare_platform.db.statements import transaction_lock, transaction_locks
from aftercare_platform.db.unit_of_work import UnitOfWork

from intake.adapters import case_index
from intake.adapters.case_index import KnownCase
from intake.domain.downtime import DowntimeInterval
from intake.domain.identification import asset_key


@dataclass(frozen=True)
class CaseOpening:
    """What the event that created a case says beyond its snapshot."""

    manufacturer: str
    serial_number: str
    description: str
    error_codes: tuple[str, ...]
    caller_email: str = ""
    caller_phone: str = ""


@dataclass(frozen=True)
class CaseNews:
    """One case event: the case after it, and whether it opened or resolved the case."""

    snapshot: CaseSnapshot
    opening: CaseOpening | None = None
    resolved: bool = False
    # on a resolution: the outage its fault report puts down to the vendor (None: none that counts)
    vendor_outage: DowntimeInterval | None = None


async def learn(uow: UnitOfWork, window: Sequence[CaseNews]) -> None:
    """A window of case news in arrival order. The cases it opens are recorded first, together (one lock statement,
    one write): an opening is its case's first event, so every case's own order is kept. The rest one by one."""
    openings = [_known(news.snapshot, news.opening) for news in window if news.opening is not None]
    if openings:
        # events of one case may be handled concurrently: one at a time per case (see _learn_event)
        await transaction_locks(uow.connection, [f"case:{known.case_id}" for known in openings])
        await case_index.record_openings(uow.connection, openings)
    for news in window:
        if news.opening is None:
            await _learn_event(uow, news)


def _known(snapshot: CaseSnapshot, opening: CaseOpening) -> KnownCase:
    at, serial = snapshot.occurred_at, opening.serial_number
    return KnownCase(
        case_id=snapshot.case_id, case_number=snapshot.case_number, company_id=snapshot.company_id or None,
        contract_id=snapshot.contract_id or None,
        asset_key=asset_key(opening.manufacturer, serial) if serial else None,
        description=opening.description, error_codes=opening.error_codes, priority=snapshot.priority,
        status=snapshot.status or "new", opened_at=at, event_at=at, caller_email=opening.caller_email or None,
        caller_phone=opening.caller_phone or None)


async def _learn_event(uow: UnitOfWork, news: CaseNews) -> None:
    snapshot = news.snapshot
    at, status, priority = snapshot.occurred_at, snapshot.status or "new", snapshot.priority
    connection = uow.connection
    # the usual event (a note, an assignment) of a known case: one statement, its row lock orders it
    if not news.resolved and await case_index.record_event(
            connection, snapshot.case_id, status=status, priority=priority, at=at):
        return
    # events of one case may be handled concurrently: one at a time per case, so each sees the other's effect
    # (a case not known yet may be being recorded by its opening event right now)
    await transaction_lock(connection, f"case:{snapshot.case_id}")
    await case_index.record_event(connection, snapshot.case_id, status=status, priority=priority, at=at)
    if news.resolved:  # a resolution again (after a rejection) replaces what the earlier one said
        await case_index.record_resolution(connection, case_id=snapshot.case_id, case_number=snapshot.case_number,
                                           contract_id=snapshot.contract_id or None, outage=news.vendor_outage)
