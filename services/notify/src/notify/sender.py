"""The sender loop: claims due deliveries, decides (company check, limits, digest), marks them `sending`
and commits, THEN hands them to the providers, then records the outcome with its event.

- Two replicas never send one delivery twice: rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED
  and leave `pending` in the claiming transaction. Decisions about one recipient and channel are
  serialised by a transaction-scoped advisory lock, so two replicas cannot both use the last slot.
- A sender that dies after committing `sending` leaves the row there; after `sending_lease_seconds` it
  is claimed again and sent under the same idempotency key. Residual window: a crash after the provider
  accepted and before `sent` was committed. Providers that honour the key (the SMS gateways' nonce /
  idempotency token, the webhook's Idempotency-Key) drop the repeat; SMTP has no such key, so that mail
  may arrive twice, carrying the same Message-ID (mail systems that deduplicate on it show it once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aftercare_platform.clock import Clock
from aftercare_platform.db.statements import among
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from sqlalchemy import and_, func, or_, select, text, update

from notify.adapters.tables import deliveries
from notify.channels.base import Accepted, ChannelFailure, ChannelSender, Outgoing, PermanentFailure
from notify.domain.digest import HeldItem, email_digest, sms_digest
from notify.domain.guard import Addressee, may_receive
from notify.domain.keys import digest_key
from notify.domain.limits import LimitPolicy, SentRecord, longest_span, next_allowed
from notify.domain.sms_length import sms_length
from notify.domain.vocabulary import Channel, DeliveryState
from notify.events import emit_failed, emit_sent

log = logging.getLogger(__name__)
RATE_LIMIT = "rate_limit"
SENT_STATES = (DeliveryState.SENDING.value, DeliveryState.SENT.value, DeliveryState.DELIVERED.value)


@dataclass(frozen=True)
class SenderSettings:
    batch_size: int = 100
    poll_seconds: float = 0.5
    concurrency: int = 16
    max_attempts: int = 12
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    sending_lease_seconds: float = 60.0
    sms_segment_budget: int = 2
    console_url: str = "https://console.aftercare.example/notifications"


class DeliverySender:
    name = "notify-sender"

    def __init__(self, database: Database, channels: dict[Channel, ChannelSender], clock: Clock,
                 limits: LimitPolicy, settings: SenderSettings) -> None:
        self._db, self._channels, self._clock, self._limits, self._s = database, channels, clock, limits, settings
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._postgres = database.engine.dialect.name == "postgresql"
        self._accepted: list[tuple[Any, Accepted, asyncio.Future[None]]] = []
        self._recording: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for channel in self._channels.values():
            await channel.close()

    async def _run(self) -> None:
        """Claims only as many rows as there are free sending slots, and claims again as soon as slots free
        up: a slow provider never holds back what is due for another, and nothing waits claimed in memory
        long enough to outlive its lease."""
        in_flight: set[asyncio.Task[None]] = set()
        slot_freed = asyncio.Event()

        def finished(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            slot_freed.set()

        while not self._stopping:
            free = self._s.concurrency - len(in_flight)
            claimed = 0
            # claim in worthwhile batches: a claim per freed slot would cost a transaction per message
            if free > 0 and (free >= max(1, self._s.concurrency // 2) or not in_flight):
                try:
                    claimed, to_send = await self._claim(min(free, self._s.batch_size))
                except Exception:  # the database or a bug: logged, tried again after a pause, never fatal
                    log.exception("notify sender claim failed")
                    to_send = []
                for row in to_send:
                    task = asyncio.create_task(self._send(row))
                    in_flight.add(task)
                    task.add_done_callback(finished)
            if claimed == 0 and not self._stopping:
                self._wake.clear()
                slot_freed.clear()
                waits = [asyncio.create_task(self._wake.wait())]
                if in_flight:
                    waits.append(asyncio.create_task(slot_freed.wait()))
                await asyncio.wait(waits, timeout=self._s.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
                for waiting in waits:
                    waiting.cancel()
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def run_once(self) -> int:
        """One pass: claim and decide, then send what was decided. The number of rows handled."""
        claimed, to_send = await self._claim(self._s.batch_size)
        await asyncio.gather(*(self._send(row) for row in to_send))
        return claimed

    # ---- claiming and deciding (one transaction) ----------------------------------------------

    async def _claim(self, limit: int) -> tuple[int, list[Any]]:
        now = self._clock.now()
        lease = now - timedelta(seconds=self._s.sending_lease_seconds)
        due = or_(
            and_(among(deliveries.c.state, (DeliveryState.PENDING.value, DeliveryState.HELD.value)),
                 deliveries.c.not_before <= now),
            and_(deliveries.c.state == DeliveryState.SENDING.value, deliveries.c.sending_at < lease),
        )
        query = select(deliveries).where(due).order_by(deliveries.c.urgent.desc(), deliveries.c.not_before)
        query = query.limit(limit)
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        to_send: list[Any] = []
        async with self._db.unit_of_work() as uow:
            rows = (await uow.connection.execute(query)).all()
            groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
            for row in rows:
                groups[(row.recipient_id, row.channel)].append(row)
            for (recipient_id, channel), group in groups.items():
                to_send += await self._decide(uow, recipient_id, Channel(channel), group, now)
        return len(rows), to_send

    async def _decide(self, uow: UnitOfWork, recipient_id: str, channel: Channel, group: list[Any],
                      now: datetime) -> list[Any]:
        connection = uow.connection
        if self._postgres:
            lock = text("SELECT pg_advisory_xact_lock(hashtext(:k))")
            await connection.execute(lock, {"k": f"{recipient_id}/{channel}"})
        claimed_ids = [r.id for r in group]
        since = now - longest_span(self._limits, channel)
        history = [SentRecord(r.sending_at, r.template) for r in (await connection.execute(
            select(deliveries.c.sending_at, deliveries.c.template).where(
                deliveries.c.recipient_id == recipient_id, deliveries.c.channel == str(channel),
                among(deliveries.c.state, SENT_STATES), deliveries.c.sending_at > since,
                deliveries.c.id.not_in(claimed_ids)))).all()]
        decided: list[Any] = []
        to_mark: list[str] = []
        digested: set[str] = set()
        for row in group:
            if row.id in digested:
                continue
            if not may_receive(Addressee(row.recipient_id, row.recipient_company_id), row.company_id):
                await self._fail(uow, row, "refused: the recipient belongs to another company than the case", now)
                continue
            if row.state == DeliveryState.SENDING.value:  # its sender died: the same send again, same key
                to_mark.append(row.id)
                history.append(SentRecord(now, row.template))
                continue
            wait_until = next_allowed(self._limits, channel, history, row.template, now, urgent=row.urgent)
            if wait_until is not None:
                await connection.execute(update(deliveries).where(deliveries.c.id == row.id).values(
                    state=DeliveryState.HELD.value, hold_reason=RATE_LIMIT, not_before=wait_until, updated_at=now))
                continue
            if row.hold_reason == RATE_LIMIT:
                digest = await self._digest(uow, row, group, now)
                if digest is not None:
                    digested |= digest[1]
                    decided.append(digest[0])
                    history.append(SentRecord(now, "digest"))
                    continue
            to_mark.append(row.id)
            history.append(SentRecord(now, row.template))
        if to_mark:  # one statement for the group
            decided += (await connection.execute(
                update(deliveries).where(deliveries.c.id.in_(to_mark))
                .values(state=DeliveryState.SENDING.value, sending_at=now, attempts=deliveries.c.attempts + 1,
                        updated_at=now).returning(*deliveries.c))).all()
        return decided

    async def _digest(
        self, uow: UnitOfWork, first: Any, group: list[Any], now: datetime
    ) -> tuple[Any, set[str]] | None:
        """Every message held back by the limits for this recipient and channel, as one message."""
        connection = uow.connection
        held = [r for r in group if r.hold_reason == RATE_LIMIT and r.state == DeliveryState.HELD.value]
        more = select(deliveries).where(
            deliveries.c.recipient_id == first.recipient_id, deliveries.c.channel == first.channel,
            deliveries.c.state == DeliveryState.HELD.value, deliveries.c.hold_reason == RATE_LIMIT,
            deliveries.c.not_before <= now, deliveries.c.id.not_in([r.id for r in group]))
        if self._postgres:
            more = more.with_for_update(skip_locked=True)
        held += (await connection.execute(more)).all()
        if len(held) < 2:
            return None
        channel = Channel(first.channel)
        items = [HeldItem(r.case_number, r.event_type) for r in held]
        subject, body = "", ""
        if channel is Channel.SMS:
            body = sms_digest(items, first.language, self._s.console_url, self._s.sms_segment_budget)
        elif channel is Channel.EMAIL:
            subject, body = email_digest(items, first.language, self._s.console_url)
        else:
            body = "\n".join(f"{i.case_number} {i.event_type}" for i in items)
        digest_id = digest_key(first.recipient_id, channel, now.isoformat())
        companies = {r.company_id for r in held}
        row = {
            **{c.name: getattr(first, c.name) for c in deliveries.c},
            "id": digest_id, "event_id": f"digest:{digest_id}", "event_type": "digest", "case_id": "",
            "case_number": "", "company_id": companies.pop() if len(companies) == 1 else "", "role": first.role,
            "urgent": False, "state": DeliveryState.SENDING.value, "not_before": now, "hold_reason": "",
            "attempts": 1, "last_error": "", "provider": "", "provider_message_id": "", "template": "digest",
            "template_version": 0, "subject": subject, "text": body, "html": "",
            "sms_segments": sms_length(body).segments if channel is Channel.SMS else 0, "digest_id": None,
            "digest_of": len(held), "resend_of": None, "receipt_rank": 0, "created_at": now, "updated_at": now,
            "sending_at": now, "sent_at": None, "delivered_at": None,
        }
        if row["company_id"] == "" and first.recipient_company_id is not None:
            return None  # a customer's digest spans one company only; never reached: each item passed the check
        await connection.execute(deliveries.insert().values(**row))
        ids = {r.id for r in held}
        await connection.execute(update(deliveries).where(deliveries.c.id.in_(ids)).values(
            state=DeliveryState.DIGESTED.value, digest_id=digest_id, updated_at=now))
        return (await connection.execute(select(deliveries).where(deliveries.c.id == digest_id))).one(), ids

    # ---- sending and recording ------------------------------------------------------------------

    async def _send(self, row: Any) -> None:
        sender = self._channels.get(Channel(row.channel))
        outgoing = Outgoing(row.id, Channel(row.channel), row.address, row.text, row.subject, row.html,
                            row.case_id, row.case_number, row.event_type, row.template)
        try:
            if sender is None:
                raise PermanentFailure("none", f"no provider is configured for {row.channel}")
            accepted = await sender.send(outgoing)
        except ChannelFailure as failure:
            await self._record_failure(row, failure)
            return
        except Exception as bug:
            log.exception("sending %s failed unexpectedly", row.id)
            await self._record_failure(row, ChannelFailure("unknown", repr(bug)))
            return
        try:
            await self._record_sent(row, accepted)
        except Exception:  # the database is away: the row stays `sending` and goes again, same key, after its lease
            log.exception("recording %s as sent failed", row.id)

    async def _record_sent(self, row: Any, accepted: Accepted) -> None:
        """Group commit: what was accepted while the previous batch was committing goes in one transaction
        (no waiting when idle; under load one commit serves many sends). Returns once its row is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._accepted.append((row, accepted, done))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.create_task(self._commit_accepted())
        await done

    async def _commit_accepted(self) -> None:
        while self._accepted:
            batch, self._accepted = self._accepted, []
            try:
                now = self._clock.now()
                async with self._db.unit_of_work() as uow:
                    for row, accepted, _ in batch:
                        updated = (await uow.connection.execute(
                            update(deliveries)
                            .where(deliveries.c.id == row.id, deliveries.c.state == DeliveryState.SENDING.value)
                            .values(state=DeliveryState.SENT.value, provider=accepted.provider,
                                    provider_message_id=accepted.provider_message_id, sent_at=now, updated_at=now,
                                    last_error="", receipt_rank=func.greatest(deliveries.c.receipt_rank, 1)
                                    if self._postgres else 1)
                            .returning(*deliveries.c))).first()
                        if updated is not None:
                            emit_sent(uow, updated, now)
            except Exception as failure:  # the rows stay `sending`: sent again after the lease, same key
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(failure)
                continue
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _record_failure(self, row: Any, failure: ChannelFailure) -> None:
        now = self._clock.now()
        async with self._db.unit_of_work() as uow:
            permanent = isinstance(failure, PermanentFailure) or row.attempts >= self._s.max_attempts
            if permanent:
                await self._fail(uow, row, str(failure), now, provider=failure.provider)
                return
            delay = min(self._s.retry_max_seconds, self._s.retry_base_seconds * 2 ** max(0, row.attempts - 1))
            await uow.connection.execute(
                update(deliveries).where(deliveries.c.id == row.id, deliveries.c.state == DeliveryState.SENDING.value)
                .values(state=DeliveryState.PENDING.value, not_before=now + timedelta(seconds=delay),
                        last_error=str(failure)[:2000], updated_at=now))
            log.info("delivery %s: %s; trying again in %.1f s", row.id, failure, delay)

    async def _fail(self, uow: UnitOfWork, row: Any, error: str, now: datetime, provider: str = "") -> None:
        result = await uow.connection.execute(
            update(deliveries).where(deliveries.c.id == row.id)
            .values(state=DeliveryState.FAILED.value, last_error=error[:2000], updated_at=now,
                    provider=provider or row.provider).returning(*deliveries.c))
        emit_failed(uow, result.one(), now)
        log.warning("delivery %s to %s failed for good: %s", row.id, row.recipient_id, error)
