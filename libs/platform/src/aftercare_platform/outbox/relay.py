"""The outbox relay: takes unsent rows, publishes them with confirms, and commits their deletion once confirmed.

Rows are split into partitions by aggregate. A relay drains a partition only while holding its
advisory lock, in id order, so any number of replicas run at once without duplicating or
reordering one aggregate's events."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson
from opentelemetry import metrics, propagate, trace
from opentelemetry.trace import SpanKind
from sqlalchemy import delete, select, update

from aftercare_platform.bus import topology
from aftercare_platform.bus.ports import Broker, OutgoingMessage, PublishFailed
from aftercare_platform.db.statements import is_postgres
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.outbox.listener import PgListener
from aftercare_platform.outbox.published_counts import PublishedEvents
from aftercare_platform.outbox.relay_statements import relay_statements
from aftercare_platform.telemetry.sampling import spans_recorded

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("aftercare.outbox")
_meter = metrics.get_meter("aftercare.outbox")
_published = _meter.create_counter("aftercare_outbox_published", description="outbox events confirmed by the broker")
_failures = _meter.create_counter("aftercare_outbox_publish_failures", description="publish attempts not confirmed")
_events = PublishedEvents(_meter)  # cases opened and closed by channel and region, SLA warnings, …

# a partition another replica's relay is draining is looked at again this soon: the rows this process's commits
# hinted may have come after that relay's read, and no NOTIFY tells it of them
BUSY_RETRY_SECONDS = 0.05
# passes start at most this often: under a steady stream of commits a pass takes the rows of several (at most
# this long late), where one pass per commit cost four round trips for each event
COALESCE_SECONDS = 0.01
# a stopping relay publishes what committed before it stopped for at most this long (the rest waits for the next)
FINAL_PASS_SECONDS = 5.0
# a lane of a pass reads its partitions again at once while they give full batches, at most this many times (the
# pass ends when every lane is done: the partitions hinted meanwhile wait for it)
LANE_ROUNDS = 8
# partitions drained in one transaction, at least: a few at once overlap one's round trips with another's confirms
PARTITIONS_PER_TRANSACTION = 4


def _envelope_body(envelope: Any) -> bytes:
    """The stored envelope as the message body, UTF-8 JSON. On PostgreSQL it is read as jsonb's text, which is JSON
    already: parsed again, orjson would read an integer past 64 bits as a float and change the event."""
    if isinstance(envelope, str):
        return envelope.encode()
    try:
        return orjson.dumps(envelope)
    except TypeError:  # an integer past 64 bits, which orjson does not write
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class OutboxRelay:
    """A Component. `drain_once()` is public so tests and tools can run one pass."""

    def __init__(
        self,
        database: Database,
        broker: Broker,
        *,
        batch_size: int = 1000,
        poll_interval: float = 5.0,
        crash_after_publish: bool = False,
        yield_to: Callable[[], Awaitable[None]] | None = None,
        parallel_partitions: int = 4,
        coalesce_seconds: float = COALESCE_SECONDS,
    ) -> None:
        self.name = "outbox-relay"
        self._db = database
        self._broker = broker
        self._batch = batch_size
        self._poll = poll_interval
        # fault injection for the "killed between publish and mark sent" test; never set in production
        self._crash_after_publish = crash_after_publish
        self._yield_to = yield_to
        self._parallel = max(1, parallel_partitions)
        self._coalesce = coalesce_seconds
        self._last_pass = float("-inf")
        self._wake = asyncio.Event()
        # what the next pass drains: every partition with unsent rows (a NOTIFY, a poll, a failure: found by a
        # query), or only those this process's commits named since the last pass (no query needed)
        self._scan_all = True
        self._hinted: set[int] = set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._listener: PgListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_waking: Callable[[], None] | None = None
        self._lock_key = zlib.crc32(f"outbox:{database.schema}".encode()) & 0x7FFFFFFF
        self._last_prune = database.clock.now()
        self._statements = relay_statements(database.tables.outbox, postgres=is_postgres(database.engine))

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        # this process's commits wake the relay at once; other processes' through NOTIFY (PostgreSQL)
        self._stop_waking = self._db.on_outbox_written(self.wake)
        if is_postgres(self._db.engine):
            url = self._db.engine.url.render_as_string(hide_password=False)
            self._listener = PgListener(url, self._db.notify_channel, self.wake, own=self._db.origin)
            await self._listener.start()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
            await self._final_pass()
        if self._listener is not None:
            await self._listener.stop()
        if self._stop_waking is not None:
            self._stop_waking()

    async def _final_pass(self) -> None:
        """What committed before the stop (the commits of the last requests, which may have come while a pass ran
        or the relay was coalescing) is published now, not when a relay next starts."""
        if self._crash_after_publish:
            return
        try:
            async with asyncio.timeout(FINAL_PASS_SECONDS):
                while (await self._drain(None))[1]:  # a full batch: there may be more behind it
                    pass
        except Exception as error:  # an outage, or too much to publish in time: the next relay publishes it
            log.warning("outbox relay stopped with events left unsent (%s); the next relay publishes them",
                        type(error).__name__)

    def wake(self, partitions: frozenset[int] | None = None) -> None:
        """Look for unsent rows now, in `partitions` (None: in all); safe to call from any thread (sla-timer
        fires on a thread of its own)."""
        if self._loop is None or _running_loop() is self._loop:
            self._note(partitions)
            return
        try:
            self._loop.call_soon_threadsafe(self._note, partitions)
        except RuntimeError:  # the service's loop closed (shutting down): nothing left to wake
            pass

    def _note(self, partitions: frozenset[int] | None) -> None:
        if partitions is None:
            self._scan_all = True
        else:
            self._hinted.update(partitions)
        self._wake.set()

    async def _run(self) -> None:
        backoff = 0.1
        loop = asyncio.get_running_loop()
        while not self._stopping:
            wait = self._last_pass + self._coalesce - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # the commits that come meanwhile join this pass
                if self._stopping:
                    break
            self._last_pass = loop.time()
            self._wake.clear()
            partitions = None if self._scan_all else frozenset(self._hinted)
            self._scan_all, self._hinted = False, set()
            try:
                published, unfinished, busy = await self._drain(partitions)
                if backoff > 0.1:
                    log.warning("outbox relay publishing again")
                backoff = 0.1
            except Exception as error:
                self._scan_all = True  # whatever the failed pass left is found again
                # once per outage at WARNING; the retries after it at DEBUG
                level = logging.WARNING if backoff == 0.1 else logging.DEBUG
                log.log(level, "outbox relay pass failed (%s); retrying with backoff", error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if busy and self._loop is not None:
                self._loop.call_later(BUSY_RETRY_SECONDS, self._note, busy)
            if unfinished:  # a full batch: there may be more behind it
                self._note(unfinished)
                continue
            if published or self._wake.is_set():
                continue
            await self._maybe_prune()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            except TimeoutError:
                self._scan_all = True  # the poll: rows a missed NOTIFY left behind

    async def drain_once(self) -> int:
        """Publish what is unsent now; returns how many events the broker confirmed."""
        published, _, _ = await self._drain(None)
        return published

    async def _drain(self, only: frozenset[int] | None) -> tuple[int, frozenset[int], frozenset[int]]:
        """One pass over `only` (None: every partition with unsent rows): how many events the broker
        confirmed, the partitions that gave a full batch (more may wait there), and those another relay held."""
        if only is None:
            outbox = self._db.tables.outbox
            async with self._db.reading() as connection:
                result = await connection.execute(
                    select(outbox.c.partition).where(outbox.c.sent_at.is_(None)).distinct())
                partitions = [row[0] for row in result]
        else:
            partitions = list(only)
        random.shuffle(partitions)
        # a few transactions at once when many partitions have rows: one's round trips overlap another's confirms
        groups = max(1, min(self._parallel, len(partitions) // PARTITIONS_PER_TRANSACTION))
        lanes = [partitions[n::groups] for n in range(groups)]

        async def drain(lane: list[int]) -> tuple[int, frozenset[int], frozenset[int]]:
            """The lane's partitions again while they give full batches, up to LANE_ROUNDS: a lane does not wait
            for the pass's slowest before its next read (one's read overlaps another's confirms)."""
            published, held = 0, frozenset[int]()
            for _ in range(LANE_ROUNDS):
                if self._yield_to is not None:
                    await self._yield_to()
                confirmed, full, busy = await self._drain_partitions(lane)
                published, held = published + confirmed, held | busy
                lane = [p for p in lane if p in full]
                if not lane or self._stopping:
                    break
            return published, frozenset(lane), held

        outcomes = await asyncio.gather(*(drain(lane) for lane in lanes if lane), return_exceptions=True)
        published, full, busy = 0, frozenset[int](), frozenset[int]()
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
            published, full, busy = published + outcome[0], full | outcome[1], busy | outcome[2]
        return published, full, busy

    async def _drain_partitions(self, partitions: list[int]) -> tuple[int, frozenset[int], frozenset[int]]:
        """Publish the partitions' unsent rows in one transaction, a batch in all (shared between them): how many
        events the broker confirmed, the partitions that filled their share (more may wait), those held."""
        statements = self._statements
        share = max(1, self._batch // len(partitions))
        async with self._db.engine.connect() as connection, connection.begin():
            if statements.locks:
                found = (await connection.execute(statements.read, {
                    "partitions": partitions, "lock_key": self._lock_key, "per_partition": share})).all()
                held = frozenset(row.partition for row in found if not row.locked)
                rows = [row for row in found if row.id is not None]
            else:
                held, rows = frozenset(), []
                for partition in partitions:
                    rows += (await connection.execute(statements.read, {"partition": partition,
                                                                        "per_partition": share})).all()
            per_partition = Counter(row.partition for row in rows)
            full = frozenset(p for p, count in per_partition.items() if count >= share)
            if not rows:
                return 0, full, held
            confirmed, failed = await self._publish_rows(rows)
            if self._crash_after_publish and confirmed:
                os.kill(os.getpid(), signal.SIGKILL)
            # deleted, not marked: marking was a non-HOT update writing three index entries
            if confirmed and statements.remove_sent is not None:  # PostgreSQL's read deleted them already
                await connection.execute(statements.remove_sent, {"ids": confirmed})
            if failed:  # rare
                await self._count_refusals(connection, rows, failed)
        _published.add(len(confirmed))
        if failed:
            _failures.add(len(failed))
            raise PublishFailed(next(iter(failed.values())))
        return len(confirmed), full, held

    async def _count_refusals(self, connection: Any, rows: list[Any], failed: dict[int, str]) -> None:
        """The refused rows stay for the next pass, their attempts counted and their error kept (on PostgreSQL, whose
        read deleted them, they are put back as they were: same id, so still in their aggregate's order)."""
        restore, outbox = self._statements.restore, self._db.tables.outbox
        for row in rows:
            error = failed.get(row.id)
            if error is None:
                continue
            if restore is not None:
                taken = {name: value for name, value in row._mapping.items() if name != "locked"}
                await connection.execute(restore, {**taken, "attempts": row.attempts + 1, "last_error": error[:2000]})
            else:
                await connection.execute(update(outbox).where(outbox.c.id == row.id)
                                         .values(attempts=outbox.c.attempts + 1, last_error=error[:2000]))

    async def _publish_rows(self, rows: list[Any]) -> tuple[list[int], dict[int, str]]:
        """Pipelined: the batch is written to the channel in id order at once, then the confirms are awaited
        together. One channel delivers in the order written, so each aggregate's events keep their order
        (a row the broker refuses is retried on the next pass, after the later ones it preceded)."""
        traced = spans_recorded()
        messages = [message_of(row, traced) for row in rows]
        outcomes = await self._broker.publish_many(messages)
        confirmed: list[Any] = []
        failed: dict[int, str] = {}
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome is None:
                confirmed.append(row)
            else:
                failed[row.id] = str(outcome)
        _events.add((row.event_type, row.routing_key, row.envelope) for row in confirmed)
        return [row.id for row in confirmed], failed

    async def _maybe_prune(self) -> None:
        """Rows a relay of before platform revision p0002 marked sent (during a rolling upgrade), deleted."""
        now = self._db.clock.now()
        if now - self._last_prune < timedelta(hours=1):
            return
        self._last_prune = now
        outbox = self._db.tables.outbox
        async with self._db.engine.begin() as connection:
            await connection.execute(delete(outbox).where(outbox.c.sent_at.is_not(None)))


def message_of(row: Any, traced: bool) -> OutgoingMessage:
    """The row as a message; when spans are recorded, with a PRODUCER span continuing the trace that wrote it.
    When not, the writer's context goes on as stored: a dropped span would change only the span id (the consumer's
    logs keep the trace id either way), and building it was a quarter of the relay's CPU in a 20,000-deadline burst."""
    headers = row.headers if isinstance(row.headers, dict) else orjson.loads(row.headers)
    if traced:
        headers = _producer_span(row, headers)
    return OutgoingMessage(body=_envelope_body(row.envelope), message_id=str(row.event_id),
                           routing_key=row.routing_key, headers=headers)


def _producer_span(row: Any, stored_headers: dict[str, str]) -> dict[str, str]:
    """The headers that carry the row's PRODUCER span, started and ended here."""
    # named and described as the OpenTelemetry messaging conventions say: "publish <exchange>", type send;
    # started, injected and ended without becoming the current span (no context switch per message)
    span = _tracer.start_span(
        f"publish {topology.EVENTS_EXCHANGE}",
        context=propagate.extract(stored_headers),
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "rabbitmq", "messaging.destination.name": topology.EVENTS_EXCHANGE,
                    "messaging.rabbitmq.destination.routing_key": row.routing_key,
                    "messaging.message.id": str(row.event_id), "messaging.operation.name": "publish",
                    "messaging.operation.type": "send", "cloudevents.event_type": row.event_type},
    )
    headers: dict[str, str] = {}
    propagate.inject(headers, context=trace.set_span_in_context(span))
    span.end()
    return headers
