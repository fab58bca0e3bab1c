"""The one way a service consumes events: inbox-deduplicated, acked after commit, parked when hopeless."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from opentelemetry import metrics, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential, wait_random

from aftercare_platform.bus import topology
from aftercare_platform.bus.envelope import CloudEvent, PoisonMessage
from aftercare_platform.bus.ports import Broker, Delivery, Subscription
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import DomainError

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("aftercare.bus")
_meter = metrics.get_meter("aftercare.bus")
_handled = _meter.create_counter("aftercare_events_handled", description="events handled, by queue and outcome")

EventHandler = Callable[[CloudEvent, UnitOfWork], Awaitable[None]]


class PermanentError(Exception):
    """Retrying cannot help (bad data, a rule that will never pass): park the message at once."""


def is_transient(error: BaseException) -> bool:
    return not isinstance(error, PermanentError | DomainError | PoisonMessage)


@dataclass
class EventSubscription:
    """A queue `<service>.<purpose>`, the routing-key patterns it binds, and its handler."""

    queue: str
    bindings: list[str]
    handler: EventHandler
    retry_initial_wait: float = 0.05
    retry_max_wait: float = 2.0

    def __post_init__(self) -> None:
        topology.validate_queue_name(self.queue)


class EventConsumer:
    """A Component: stop() cancels the subscription, then waits for in-flight handlers."""

    def __init__(
        self,
        broker: Broker,
        database: Database,
        subscription: EventSubscription,
        *,
        prefetch: int,
        delivery_limit: int,
        attempts: int,
    ) -> None:
        self.name = f"consumer:{subscription.queue}"
        self._broker = broker
        self._db = database
        self._sub = subscription
        self._prefetch = prefetch
        self._delivery_limit = delivery_limit
        self._attempts = attempts
        self._subscription: Subscription | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self._broker.declare_work_queue(self._sub.queue, self._sub.bindings, self._delivery_limit)
        self._subscription = await self._broker.consume(self._sub.queue, self._prefetch, self._on_delivery)
        log.info("consuming %s bound to %s", self._sub.queue, ", ".join(self._sub.bindings))

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.cancel()
            self._subscription = None
        if self._in_flight:
            log.info("%s: finishing %d in-flight messages", self.name, len(self._in_flight))
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _on_delivery(self, delivery: Delivery) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._process(delivery)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _process(self, delivery: Delivery) -> None:
        queue = self._sub.queue
        try:
            event = CloudEvent.from_json(delivery.body)
        except PoisonMessage as poison:
            log.error("parking poison message %s on %s: %s", delivery.message_id, queue, poison)
            _handled.add(1, {"queue": queue, "outcome": "poison"})
            await delivery.reject(requeue=False)
            return
        carrier = {k: str(v) for k, v in delivery.headers.items() if isinstance(v, str | bytes)}
        with _tracer.start_as_current_span(
            f"{queue} process",
            context=propagate.extract(carrier),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": queue,
                "messaging.message.id": event.id,
                "cloudevents.event_type": event.type,
                "cloudevents.event_subject": event.subject,
            },
        ) as span:
            try:
                duplicate = await self._handle_with_retries(event)
            except Exception as failure:
                span.record_exception(failure)
                span.set_status(Status(StatusCode.ERROR, str(failure)))
                outcome = "transient-exhausted" if is_transient(failure) else "permanent"
                log.error(
                    "parking %s (%s) on %s after %s error: %s",
                    event.id, event.type, queue, outcome, failure, exc_info=is_transient(failure),
                )
                _handled.add(1, {"queue": queue, "outcome": outcome})
                await delivery.reject(requeue=False)
                return
        _handled.add(1, {"queue": queue, "outcome": "duplicate" if duplicate else "handled"})
        # only now, after the commit: a crash before this line redelivers, and the inbox absorbs it
        await delivery.ack()

    async def _handle_with_retries(self, event: CloudEvent) -> bool:
        """Returns True when the inbox says this event was already handled."""
        try:
            return await self._handle_once(event)
        except Exception as first_failure:
            if not is_transient(first_failure) or self._attempts < 2:
                raise
        # the common path above builds no retry machinery; only a failure pays for it
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts - 1),
            wait=wait_exponential(multiplier=self._sub.retry_initial_wait, max=self._sub.retry_max_wait)
            + wait_random(0, self._sub.retry_initial_wait),
            retry=retry_if_exception(is_transient),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._handle_once(event)
        raise AssertionError("unreachable: tenacity reraises the last failure")

    async def _handle_once(self, event: CloudEvent) -> bool:
        async with self._db.unit_of_work() as uow:
            if not await uow.claim_inbox(self._sub.queue, event):
                return True
            await self._sub.handler(event, uow)
        return False
