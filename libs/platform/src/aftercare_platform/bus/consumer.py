"""The one way a service consumes events: inbox-deduplicated, acked after commit, parked when hopeless.

Deliveries are handled in windows: what has arrived (up to `batch_size`) is claimed in the inbox
together, handled in one transaction (by the subscription's handler one event at a time, or by its window
handler all at once), committed once and acknowledged with one `multiple` ack. A
window that fails is rolled back and handled again one event at a time, so one bad event never
blocks or parks the others. Windows run side by side, except that a window holding an event of a
subject (an aggregate, which the outbox publishes in order) waits for the earlier windows holding it,
so one aggregate's events are applied in the order they arrived.

A database outage is waited out, never counted: while the database cannot be reached the consumer
holds what it has (so the broker sends no more), probes with backoff, and resumes. Only a failure of
the event's own (the database answers, the handler still fails) counts toward `attempts` and parking."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from opentelemetry.trace import Status, StatusCode
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential, wait_random

from aftercare_platform.bus.consumer_metrics import count, count_window, handle_time, handled, outages, window_size
from aftercare_platform.bus.consumer_spans import event_span
from aftercare_platform.bus.envelope import CloudEvent, PoisonMessage
from aftercare_platform.bus.inbox_claim import claim_inbox_rows
from aftercare_platform.bus.ports import Broker, Delivery, Subscription
from aftercare_platform.bus.subject_order import SubjectOrder, Turn
from aftercare_platform.bus.subscription import EventHandler, EventSubscription, WindowHandler
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import DomainError
from aftercare_platform.outage import GateClosed, OutageGate

log = logging.getLogger(__name__)
# the subscription's types are imported from here by every service
__all__ = ["EventConsumer", "EventHandler", "EventSubscription", "PermanentError", "WindowHandler", "is_transient"]


class PermanentError(Exception):
    """Retrying cannot help (bad data, a rule that will never pass): park the message at once."""


def is_transient(error: BaseException) -> bool:
    return not isinstance(error, PermanentError | DomainError | PoisonMessage)


@dataclass
class _Received:
    delivery: Delivery
    # arrival order: a `multiple` ack may only cover deliveries that arrived before and are settled
    serial: int = 0
    event: CloudEvent | None = None


class EventConsumer:
    """A Component: stop() cancels the subscription, then finishes what it holds."""

    def __init__(
        self,
        broker: Broker,
        database: Database,
        subscription: EventSubscription,
        *,
        prefetch: int,
        delivery_limit: int,
        attempts: int,
        batch_size: int | None = None,
        workers: int = 4,
        linger: float = 0.05,
    ) -> None:
        self.name = f"consumer:{subscription.queue}"
        self._broker = broker
        self._db = database
        self._sub = subscription
        self._prefetch = prefetch
        # windows run side by side on their own connections; while they do, the next ones arrive
        self._workers_wanted = max(1, min(workers, prefetch))
        self._batch_size = batch_size or max(1, prefetch // self._workers_wanted)
        # how long a window waits for more events while others run; windows running now; "more arrived or done"
        self._linger, self._running, self._more = linger, 0, asyncio.Event()
        self._delivery_limit = delivery_limit
        self._attempts = attempts
        self._subscription: Subscription | None = None
        # None is put by stop(): the worker finishes what came before it and ends
        self._arrived: asyncio.Queue[_Received | None] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        # windows waiting for an earlier window of one of their subjects (at most prefetch of them)
        self._waiting: set[asyncio.Task[None]] = set()
        self._serials = itertools.count()
        # arrived and neither acked nor rejected, by serial, in arrival order
        self._unsettled: dict[int, _Received] = {}
        # handled and committed, waiting for every earlier delivery to be settled before the cumulative ack
        self._handled_serials: set[int] = set()
        self._stopping = False
        # per subject (the aggregate the outbox keeps in order), the last window formed holding it
        self._order = SubjectOrder()
        self.database_gate = OutageGate(f"database (for {subscription.queue})", database.ping)

    @property
    def queue(self) -> str:
        return self._sub.queue

    @property
    def consuming(self) -> bool:
        """Attached to its queue and able to handle (what readiness reports)."""
        return self._subscription is not None and self._subscription.active and self.database_gate.is_open

    async def start(self) -> None:
        await self._broker.declare_work_queue(self._sub.queue, self._sub.bindings, self._delivery_limit)
        self._stopping = False
        self.database_gate.reopen()
        self._workers = [asyncio.create_task(self._work(), name=f"{self.name}#{n}")
                         for n in range(self._workers_wanted)]
        self._subscription = await self._broker.consume(self._sub.queue, self._prefetch, self._on_delivery)
        log.info("consuming %s bound to %s", self._sub.queue, ", ".join(self._sub.bindings))

    async def stop(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            await subscription.cancel()
        self._stopping = True
        if not self.database_gate.is_open:
            # an unreachable database is not waited for: what is held stays unacked and comes back later
            log.info("%s: database unreachable; leaving %d held messages to the broker", self.name,
                     self._arrived.qsize())
            await self.database_gate.close()
        for _ in self._workers:
            self._arrived.put_nowait(None)
        await asyncio.gather(*self._workers)
        self._workers = []
        # the windows still waiting follow the ones they wait for, which the workers have finished
        await asyncio.gather(*self._waiting)
        # anything that arrived after the cancel is left unsettled: release() returns it to the queue
        while not self._arrived.empty():
            self._arrived.get_nowait()
        self._unsettled.clear()
        self._handled_serials.clear()
        await self.database_gate.close()
        if subscription is not None:
            await subscription.release()

    async def _on_delivery(self, delivery: Delivery) -> None:
        # queued and returned at once: the broker's per-delivery task ends here, the workers take it from the queue
        received = _Received(delivery, next(self._serials))
        self._unsettled[received.serial] = received
        self._arrived.put_nowait(received)
        self._more.set()

    async def _work(self) -> None:
        while True:
            # one window forms at a time: windows then enter the subject order in the order of their events
            async with self._order.forming:
                first = await self._arrived.get()
                if first is None:
                    return
                window = await self._gather([first])
                turn = self._order.enter(self._subjects(window))
            if turn.must_wait():
                # a window waiting for its subject's earlier window does not hold a worker: others go on
                waiting = asyncio.create_task(self._run_turn(turn, window), name=f"{self.name}:waiting")
                self._waiting.add(waiting)
                waiting.add_done_callback(self._waiting.discard)
            else:
                await self._run_turn(turn, window)

    async def _gather(self, window: list[_Received]) -> list[_Received]:
        """Fill the window with what has arrived. While other windows run (the consumer is busy) it waits up
        to `linger` for more: a free worker taking one event at a time would spend a transaction on each."""
        deadline = asyncio.get_running_loop().time() + self._linger
        while len(window) < self._batch_size:
            while len(window) < self._batch_size and not self._arrived.empty():
                received = self._arrived.get_nowait()
                if received is None:
                    # another worker's stop marker: leave it for them
                    self._arrived.put_nowait(None)
                    return window
                window.append(received)
            left = deadline - asyncio.get_running_loop().time()
            if len(window) >= self._batch_size or self._running == 0 or left <= 0 or self._stopping:
                return window
            self._more.clear()
            try:
                await asyncio.wait_for(self._more.wait(), left)
            except TimeoutError:
                pass
        return window

    async def _run_turn(self, turn: Turn, window: list[_Received]) -> None:
        self._running += 1
        try:
            # one aggregate's events are applied in arrival order: wait for earlier windows holding it
            await turn.wait_for_earlier()
            await self._handle_window(window)
        except GateClosed:
            pass
        except Exception:
            log.exception("%s: a window failed unexpectedly; its messages go back to the queue", self.name)
            for received in window:
                if received.serial in self._unsettled and received.serial not in self._handled_serials:
                    await self._settle(received, received.delivery.reject(requeue=True))
        finally:
            self._running -= 1
            self._more.set()
            turn.leave()
            # a settled or rejected delivery may have been all that held back the cumulative ack
            await self._ack_window([])

    def _subjects(self, window: list[_Received]) -> set[str]:
        """The window's events parsed (kept on each delivery) and the subjects they are about."""
        subjects: set[str] = set()
        for received in window:
            try:
                received.event = CloudEvent.from_json(received.delivery.body)
                subjects.add(received.event.subject)
            except PoisonMessage:
                pass  # parked by _handle_window
        return subjects

    async def _handle_window(self, window: list[_Received]) -> None:
        events: list[_Received] = []
        for received in window:
            try:
                received.event = received.event or CloudEvent.from_json(received.delivery.body)
                events.append(received)
            except PoisonMessage as poison:
                log.error("parking poison message %s on %s: %s", received.delivery.message_id, self.queue, poison)
                handled.add(1, {"queue": self.queue, "outcome": "poison"})
                await self._settle(received, received.delivery.reject(requeue=False))
        if not events:
            return
        started = time.perf_counter()
        if len(events) > 1 and await self._handle_together(events):
            window_size.record(len(events), {"queue": self.queue})
            await self._ack_window(events)
        else:
            for received in events:
                await self._handle_alone(received)
        handle_time.record(time.perf_counter() - started, {"queue": self.queue})

    async def _handle_together(self, events: list[_Received]) -> bool:
        """One transaction for the window; False (rolled back) when an event of it failed on its own."""
        while True:
            await self._wait_database()
            try:
                outcomes = await self._run_window(events)
            except Exception as failure:
                if is_transient(failure) and await self.database_gate.is_outage(failure):
                    await self._wait_out(failure)
                    continue
                log.info("a window of %d on %s failed (%s); handling its events one by one",
                         len(events), self.queue, failure)
                return False
            count_window(self.queue, [received.event for received in events], outcomes)
            return True

    async def _run_window(self, window: list[_Received]) -> list[bool]:
        async with self._db.unit_of_work() as uow:
            fresh = await claim_inbox_rows(uow, self._db, self.queue, [r.event for r in window if r.event])
            duplicates, taken = [], []
            for received in window:
                event = received.event
                assert event is not None
                # the same event twice in one window: handled once
                duplicates.append(event.id not in fresh)
                if event.id in fresh:
                    fresh.discard(event.id)
                    taken.append((event, received.delivery))
            await self._sub.handle_window(taken, uow)
        return duplicates

    async def _handle_alone(self, received: _Received) -> None:
        event, delivery = received.event, received.delivery
        assert event is not None
        with event_span(self.queue, event, delivery) as span:
            try:
                duplicate = await self._handle_with_retries(event)
            except GateClosed:
                raise
            except Exception as failure:
                span.record_exception(failure)
                span.set_status(Status(StatusCode.ERROR, str(failure)))
                outcome = "transient-exhausted" if is_transient(failure) else "permanent"
                log.error(
                    "parking %s (%s) on %s after %s error: %s",
                    event.id, event.type, self.queue, outcome, failure, exc_info=is_transient(failure),
                )
                handled.add(1, {"queue": self.queue, "outcome": outcome})
                await self._settle(received, delivery.reject(requeue=False))
                return
        count(self.queue, event, duplicate)
        # only now, after the commit: a crash before this line redelivers, and the inbox absorbs it
        await self._ack_window([received])

    async def _handle_with_retries(self, event: CloudEvent) -> bool:
        """Returns True when the inbox says this event was already handled."""
        try:
            return await self._handle_through_outages(event)
        except GateClosed:
            raise
        except Exception as first_failure:
            if not is_transient(first_failure) or self._attempts < 2:
                raise
        # the common path above builds no retry machinery; only a failure pays for it
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts - 1),
            wait=wait_exponential(multiplier=self._sub.retry_initial_wait, max=self._sub.retry_max_wait)
            + wait_random(0, self._sub.retry_initial_wait),
            retry=retry_if_exception(lambda error: is_transient(error) and not isinstance(error, GateClosed)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._handle_through_outages(event)
        raise AssertionError("unreachable: tenacity reraises the last failure")

    async def _handle_through_outages(self, event: CloudEvent) -> bool:
        """One attempt, as the retries count them: an outage inside it is waited out and tried again."""
        while True:
            await self._wait_database()
            try:
                return await self._handle_once(event)
            except Exception as failure:
                if is_transient(failure) and await self.database_gate.is_outage(failure):
                    await self._wait_out(failure)
                    continue
                raise

    async def _handle_once(self, event: CloudEvent) -> bool:
        async with self._db.unit_of_work() as uow:
            if not await uow.claim_inbox(self._sub.queue, event):
                return True
            await self._sub.handle_one(event, uow)
        return False

    async def _wait_database(self) -> None:
        await self.database_gate.wait_open()

    async def _wait_out(self, failure: BaseException) -> None:
        if self._stopping:
            # stopping: what is held stays unacked and the broker hands it to whoever consumes next
            raise GateClosed from failure
        if self.database_gate.is_open:
            outages.add(1, {"queue": self.queue})
        await self.database_gate.wait_out(failure)

    async def _ack_window(self, window: Sequence[_Received]) -> None:
        """Acknowledge what is handled, cumulatively: the longest run of handled deliveries from the oldest
        unsettled one is acked with one `multiple` ack (per channel). A window finished ahead of an earlier
        one still running waits for it (a crash meanwhile redelivers both; the inbox absorbs the repeat)."""
        self._handled_serials.update(received.serial for received in window)
        runs: list[_Received] = []
        for serial, received in list(self._unsettled.items()):
            if serial not in self._handled_serials:
                break
            if runs and received.delivery.ack_scope is not runs[-1].delivery.ack_scope:
                runs.append(received)  # a restored connection's channel starts a new run
            elif runs:
                runs[-1] = received
            else:
                runs.append(received)
            # taken now, before any await: another worker finishing meanwhile does not ack these again
            del self._unsettled[serial]
            self._handled_serials.discard(serial)
        for last in runs:
            try:
                await last.delivery.ack(multiple=True)
            except Exception as lost:
                log.warning("acknowledging on %s failed (%s); the broker will redeliver", self.queue, lost)

    async def _settle(self, received: _Received, settling: Awaitable[None]) -> None:
        """Ack or reject; when the broker connection is gone, the broker redelivers and the inbox absorbs it."""
        self._unsettled.pop(received.serial, None)
        try:
            await settling
        except Exception as lost:
            log.warning("settling a delivery on %s failed (%s); the broker will redeliver it", self.queue, lost)
