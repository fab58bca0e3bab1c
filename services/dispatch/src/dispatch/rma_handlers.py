"""RMA as a use case: the case goes down cases' RMA path, each step is an RMA_STEP activity on its
timeline (once, by request id) and an event: `aftercare.rma.repair_started.v1` starts sla-timer's
loaner clock, `aftercare.rma.fixed.v1` (repaired or replaced) stops it, the other steps are
`aftercare.rma.<step>.v1`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aftercare.dispatch.v1 import events_pb2 as ev
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database, UnitOfWork

from dispatch.adapters import store
from dispatch.adapters.case_gateway import CasesPort, answering_callers
from dispatch.adapters.case_snapshot import actor_message, case_for_work, event_head, snapshot_of, within_reach
from dispatch.adapters.proto_values import document
from dispatch.adapters.rma_mapping import rma_from_document, rma_step, rma_to_proto
from dispatch.domain import rma as rules
from dispatch.domain.rma import FIXED, Rma, RmaStep


class RmaHandlers:
    def __init__(self, database: Database, cases: CasesPort) -> None:
        self._db = database
        self._cases = cases

    async def request(self, principal: Principal, *, case_id: str, serial_number: str, manufacturer: str,
                      reason: str) -> Rma:
        facts = await case_for_work(self._cases, principal, case_id)
        rma_id = str(uuid.uuid4())
        now = self._db.clock.now()
        rma = rules.request_rma(rma_id=rma_id, case_id=facts.case_id,
                                serial_number=serial_number or facts.serial_number,
                                manufacturer=manufacturer or facts.manufacturer, entitlement=facts.entitlement, at=now)
        with answering_callers():
            if not facts.rma:
                await self._cases.escalate_to_rma(facts.case_id, reason or f"hardware RMA for {rma.serial_number}",
                                                  f"rma/{rma_id}/escalate")
        snapshot = snapshot_of(facts)
        async with self._db.unit_of_work() as uow:
            await self._record(uow, rma, snapshot, principal, now, note=reason)
        return rma

    async def advance(self, principal: Principal, rma_id: str, step_word: str, *, repairer: str,
                      note: str) -> Rma:
        step = rma_step(step_word)
        async with self._db.unit_of_work() as uow:
            rma, snapshot = await self._load(uow, rma_id, principal)
            now = uow.clock.now()
            rma = rules.advance_rma(rma, step, now, repairer=repairer)
            await self._record(uow, rma, snapshot, principal, now, note=note)
        return rma

    async def get(self, principal: Principal, rma_id: str) -> Rma:
        """Staff of its region, and the customer whose case it is (another company's looks absent)."""
        async with self._db.unit_of_work() as uow:
            rma, _ = await self._load(uow, rma_id, principal)
        return rma

    async def _record(self, uow: UnitOfWork, rma: Rma, snapshot: dict[str, Any], principal: Principal,
                      at: datetime, *, note: str) -> None:
        summary = f"RMA {rma.step.value.replace('_', ' ')}: {rma.serial_number}" + (f" ({note})" if note else "")
        with answering_callers():
            await self._cases.record_rma_step(rma.case_id, rma_number=rma.id, step=rma.step.value, summary=summary,
                                              request_id=f"rma/{rma.id}/{rma.step.value}")
        await store.put_rma(uow, rma.id, rma.case_id, document(rma_to_proto(rma)), snapshot, at)
        head = event_head(rma.case_id, snapshot, at, actor_message(principal))
        if rma.step is RmaStep.REPAIR_STARTED:
            event_type = "aftercare.rma.repair_started.v1"
            data: Any = ev.RmaRepairStarted(**head, rma_id=rma.id, manufacturer=rma.manufacturer,
                                            serial_number=rma.serial_number, repairer=rma.repairer)
        elif rma.step in FIXED:
            event_type = "aftercare.rma.fixed.v1"
            data = ev.RmaFixed(**head, rma_id=rma.id, description=summary)
        else:
            event_type = f"aftercare.rma.{rma.step.value}.v1"
            data = ev.RmaStepRecorded(**head, rma_id=rma.id, step=rma.step.value, serial_number=rma.serial_number,
                                      manufacturer=rma.manufacturer, entitlement=rma.entitlement, note=note)
        uow.emit(event_type, subject=rma.case_id, region=snapshot["region"], data=data)

    async def _load(self, uow: UnitOfWork, rma_id: str, principal: Principal) -> tuple[Rma, dict[str, Any]]:
        doc, snapshot = within_reach(await store.get_rma(uow, rma_id), principal, "RMA", rma_id)
        return rma_from_document(doc), snapshot
