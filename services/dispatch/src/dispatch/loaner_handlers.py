"""Loaners as a use case: issue (the loaner clock stops: `aftercare.loaner.delivered.v1`), return,
and the sweep that reminds before a loaner is due and, 3 months after the repair started with the
fault still not fixed, passes it to the customer — an event, the loaner's record and a timeline
entry on the case (each told to cases once, by request id)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from aftercare.dispatch.v1 import events_pb2 as ev
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import InvalidArgument

from dispatch.adapters import store
from dispatch.adapters.case_gateway import CasesPort, CasesRefused, answering_callers
from dispatch.adapters.case_snapshot import SYSTEM, actor_message, case_for_work, event_head, snapshot_of, within_reach
from dispatch.adapters.loaner_mapping import loaner_document, loaner_from_document
from dispatch.adapters.proto_values import stamp
from dispatch.domain import loaners as rules
from dispatch.domain.loaners import Loaner, LoanerStatus

log = logging.getLogger(__name__)


def _next_action(loaner: Loaner) -> datetime | None:
    if loaner.status is not LoanerStatus.ISSUED:
        return None
    return loaner.transfer_due_at if loaner.reminded_at is not None else loaner.remind_at


REQUEST_ID_MAX = 200
_REQUESTS = uuid.UUID("5f0c3c1e-2b7a-4d59-9a43-6c1f0e8d2a71")  # loaner ids named by request keys


def _loaner_of_request(request_id: str) -> str:
    """The loaner a request key stands for: the same id for every repeat, so the loaner's own key dedupes."""
    if len(request_id) > REQUEST_ID_MAX:
        raise InvalidArgument.for_field("request_id", f"at most {REQUEST_ID_MAX} characters")
    return str(uuid.uuid5(_REQUESTS, request_id))


def _repeated(found: tuple[dict[str, Any], dict[str, Any]] | None, case_id: str, principal: Principal,
              loaner_id: str) -> Loaner:
    """The loaner a repeated request key issued; the key of another case's loaner is refused."""
    doc, _ = within_reach(found, principal, "loaner", loaner_id)
    loaner = loaner_from_document(doc)
    if loaner.case_id != case_id:
        raise InvalidArgument.for_field("request_id", "already used for another case's loaner")
    return loaner


class LoanerHandlers:
    def __init__(self, database: Database, cases: CasesPort) -> None:
        self._db = database
        self._cases = cases

    async def issue(self, principal: Principal, *, case_id: str, serial_number: str, device_class: int,
                    faulty_class: int, repair_started_at: datetime, due_back: datetime | None,
                    manufacturer: str = "", site: str = "", request_id: str = "") -> Loaner:
        """With a `request_id` the loaner is issued once: a repeat (a retry, or its twin arriving together)
        answers the loaner the key first made, and cases records it on the timeline once."""
        facts = await case_for_work(self._cases, principal, case_id)
        loaner_id = _loaner_of_request(request_id) if request_id else str(uuid.uuid4())
        if request_id:
            async with self._db.unit_of_work() as uow:
                found = await store.get_loaner(uow, loaner_id)
            if found is not None:
                return _repeated(found, facts.case_id, principal, loaner_id)
        now = self._db.clock.now()
        loaner = rules.issue_loaner(loaner_id=loaner_id, case_id=facts.case_id, serial_number=serial_number.strip(),
                                    device_class=device_class, faulty_class=faulty_class,
                                    repair_started_at=repair_started_at, at=now, due_back=due_back)
        # the case's timeline first: cases refuses a serial already out with the case (twins share the key)
        with answering_callers():
            await self._cases.record_loaner(facts.case_id, issued=True, serial=loaner.serial_number,
                                            device_class=str(device_class), request_id=f"loaner/{loaner_id}/issued",
                                            summary=f"loaner {loaner.serial_number} (class {device_class}) issued")
        snapshot = snapshot_of(facts)
        async with self._db.unit_of_work() as uow:
            if not await store.add_loaner(uow, loaner.id, loaner.case_id, loaner.status.value, _next_action(loaner),
                                          loaner_document(loaner), snapshot, uow.clock.now()):
                return _repeated(await store.get_loaner(uow, loaner_id), facts.case_id, principal, loaner_id)
            uow.emit("aftercare.loaner.delivered.v1", subject=loaner.case_id, region=facts.region,
                     data=ev.LoanerDelivered(**event_head(loaner.case_id, snapshot, now, actor_message(principal)),
                                             loaner_id=loaner.id, manufacturer=manufacturer,
                                             serial_number=loaner.serial_number, site_id=site or facts.site))
        return loaner

    async def get(self, principal: Principal, loaner_id: str) -> Loaner:
        """Staff of its region, and the customer whose case it is (another company's looks absent)."""
        async with self._db.unit_of_work() as uow:
            loaner, _ = await self._load(uow, loaner_id, principal)
        return loaner

    async def give_back(self, principal: Principal, loaner_id: str) -> Loaner:
        async with self._db.unit_of_work() as uow:
            loaner, snapshot = await self._load(uow, loaner_id, principal)
            now = uow.clock.now()
            loaner = rules.return_loaner(loaner, now)
            with answering_callers():
                await self._cases.record_loaner(loaner.case_id, issued=False, serial=loaner.serial_number,
                                                device_class="", request_id=f"loaner/{loaner.id}/returned",
                                                summary=f"loaner {loaner.serial_number} returned")
            await self._save(uow, loaner, snapshot)
            uow.emit("aftercare.loaner.returned.v1", subject=loaner.case_id, region=snapshot["region"],
                     data=ev.LoanerReturned(**event_head(loaner.case_id, snapshot, now, actor_message(principal)),
                                            loaner_id=loaner.id, serial_number=loaner.serial_number))
        return loaner

    async def sweep(self, limit: int = 100) -> int:
        """Carry out what is due (a reminder, the transfer) for up to `limit` loaners; how many were due."""
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            due = await store.due_loaners(uow, now, limit)
            for doc, snapshot in due:
                await self._act(uow, loaner_from_document(doc), snapshot, now)
        return len(due)

    async def _act(self, uow: UnitOfWork, loaner: Loaner, snapshot: dict[str, Any], now: datetime) -> None:
        head = event_head(loaner.case_id, snapshot, now, SYSTEM)
        for action in rules.loaner_actions(loaner, now):
            if action == "transfer_to_customer":
                loaner = rules.transfer_to_customer(loaner, now)
                note = (f"loaner {loaner.serial_number} passes to the customer: the fault was not fixed within "
                        f"3 months of the repair starting ({loaner.repair_started_at.date().isoformat()})")
                try:
                    await self._cases.add_note(loaner.case_id, note, f"loaner/{loaner.id}/transferred")
                except CasesRefused as refused:  # the case cannot take notes any more: the event still says it
                    log.warning("loaner %s transfer not on the case's timeline: %s", loaner.id, refused)
                uow.emit("aftercare.loaner.transferred.v1", subject=loaner.case_id, region=snapshot["region"],
                         data=ev.LoanerTransferred(**head, loaner_id=loaner.id, serial_number=loaner.serial_number,
                                                   repair_started_time=stamp(loaner.repair_started_at)))
            elif action == "remind_due_back":
                loaner = rules.mark_reminded(loaner, now)
                uow.emit("aftercare.loaner.due_soon.v1", subject=loaner.case_id, region=snapshot["region"],
                         data=ev.LoanerDueSoon(**head, loaner_id=loaner.id, serial_number=loaner.serial_number,
                                               due_back_time=stamp(loaner.due_back),
                                               transfer_due_time=stamp(loaner.transfer_due_at)))
        await self._save(uow, loaner, snapshot)

    async def _load(self, uow: UnitOfWork, loaner_id: str, principal: Principal) -> tuple[Loaner, dict[str, Any]]:
        doc, snapshot = within_reach(await store.get_loaner(uow, loaner_id), principal, "loaner", loaner_id)
        return loaner_from_document(doc), snapshot

    async def _save(self, uow: UnitOfWork, loaner: Loaner, snapshot: dict[str, Any]) -> None:
        await store.put_loaner(uow, loaner.id, loaner.case_id, loaner.status.value, _next_action(loaner),
                               loaner_document(loaner), snapshot, uow.clock.now())
