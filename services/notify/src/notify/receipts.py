"""Applying provider delivery receipts: stored once each, moving a delivery only forward, announced once."""

from __future__ import annotations

import logging
from typing import Any

from aftercare_platform.db.statements import dialect_insert
from aftercare_platform.db.unit_of_work import Database
from sqlalchemy import or_, select, update

from notify.adapters.tables import deliveries, receipts
from notify.domain.receipts import ProviderReceipt, state_after
from notify.domain.vocabulary import DeliveryState
from notify.events import emit_delivered, emit_failed

log = logging.getLogger(__name__)


class ReceiptBook:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def apply(self, receipt: ProviderReceipt) -> str:
        """'applied', 'unchanged' (a repeat or a receipt that would move it backwards) or 'unknown'."""
        async with self._db.unit_of_work() as uow:
            connection, now = uow.connection, uow.clock.now()
            match = deliveries.c.provider_message_id == receipt.provider_message_id
            if receipt.delivery_id:
                match = or_(match, deliveries.c.id == receipt.delivery_id)
            if not receipt.delivery_id:
                match = match & (deliveries.c.provider == receipt.provider)
            row: Any = (await connection.execute(select(deliveries).where(match).with_for_update())).first()
            if row is None:
                log.info("receipt from %s for unknown message %s", receipt.provider, receipt.provider_message_id)
                return "unknown"
            # no conflict target: the same (provider, message, status) twice is stored once, on either database
            inserted = await connection.execute(dialect_insert(connection, receipts).values(
                delivery_id=row.id, provider=receipt.provider, provider_message_id=receipt.provider_message_id,
                status=receipt.status, detail=receipt.detail[:2000], received_at=now).on_conflict_do_nothing())
            new_state = state_after(receipt, row.receipt_rank)
            if not inserted.rowcount or new_state is None:
                return "unchanged"
            values: dict[str, Any] = {"state": new_state.value, "receipt_rank": receipt.rank, "updated_at": now}
            if new_state is DeliveryState.DELIVERED:
                values["delivered_at"] = receipt.at
            else:
                values["last_error"] = f"{receipt.provider} receipt: {receipt.status} {receipt.detail}".strip()
            updated = (await connection.execute(update(deliveries).where(deliveries.c.id == row.id).values(**values)
                                             .returning(*deliveries.c))).one()
            (emit_delivered if new_state is DeliveryState.DELIVERED else emit_failed)(uow, updated, now)
            return "applied"
