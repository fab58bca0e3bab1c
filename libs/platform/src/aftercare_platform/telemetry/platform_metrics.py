"""Gauges that say how the platform is doing, sampled every few seconds: outbox backlog and its oldest
unsent event, each consumed queue's depth and its parking queue's, the unrouted queue, and any
gauge a service adds (deliveries pending, …). Prometheus reads the last sample."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from sqlalchemy import func, select

from aftercare_platform.bus import topology
from aftercare_platform.bus.ports import Broker
from aftercare_platform.db.unit_of_work import Database

log = logging.getLogger(__name__)

Labels = tuple[tuple[str, str], ...]
# a service's own gauge: its values now, by labels
GaugeSample = Callable[[], Awaitable[dict[Labels, float]]]


@dataclass
class _Gauge:
    name: str
    description: str
    sample: GaugeSample
    unit: str = ""
    values: dict[Labels, float] = field(default_factory=dict)

    def observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(value, dict(labels)) for labels, value in self.values.items()]


# one instrument per meter and name, observing every sampler's gauge of that name (embedded mode runs
# several services, so several samplers, in one process)
_observed: dict[tuple[int, str], list[_Gauge]] = {}


def _observe_all(key: tuple[int, str]) -> Callable[[CallbackOptions], Iterable[Observation]]:
    def observe(options: CallbackOptions) -> Iterable[Observation]:
        return [observation for gauge in _observed[key] for observation in gauge.observe(options)]

    return observe


class PlatformGauges:
    """A Component: samples in the background; a failed sample keeps the last values and logs once."""

    name = "platform-metrics"

    def __init__(self, database: Database, broker: Broker, queues: list[str], *, interval_seconds: float = 5.0,
                 meter: metrics.Meter | None = None) -> None:
        self._db, self._broker, self._queues = database, broker, list(queues)
        self._interval = interval_seconds
        self._meter = meter or metrics.get_meter("aftercare.platform")
        self._gauges: list[_Gauge] = []
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        service = database.service_name
        self.add("aftercare_outbox_backlog", "outbox events not yet confirmed by the broker, by service",
                 lambda: self._outbox(service, oldest=False))
        self.add("aftercare_outbox_oldest_unsent_seconds", "age of the oldest unsent outbox event, by service",
                 lambda: self._outbox(service, oldest=True), unit="s")
        self.add("aftercare_queue_depth", "messages waiting in a consumed queue (consumer lag), by queue",
                 lambda: self._depths(self._queues))
        self.add("aftercare_dlq_depth", "messages parked in a queue's parking queue, by queue",
                 lambda: self._depths([topology.parking_queue(q) for q in self._queues], strip=True))
        self.add("aftercare_unrouted_depth", "events no queue was bound for, waiting in the unrouted queue",
                 lambda: self._depths([topology.UNROUTED_QUEUE], label=False))

    def add(self, name: str, description: str, sample: GaugeSample, *, unit: str = "") -> None:
        gauge = _Gauge(name, description, sample, unit)
        self._gauges.append(gauge)
        key = (id(self._meter), name)
        if key not in _observed:
            _observed[key] = []
            self._meter.create_observable_gauge(name, callbacks=[_observe_all(key)], description=description,
                                                unit=unit)
        _observed[key].append(gauge)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        mine = {id(gauge) for gauge in self._gauges}
        for key, gauges in _observed.items():
            _observed[key] = [gauge for gauge in gauges if id(gauge) not in mine]
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def sample_once(self) -> None:
        for gauge in self._gauges:
            try:
                gauge.values = await gauge.sample()
                self._failing = False
            except Exception as error:
                if not self._failing:
                    log.warning("sampling %s failed (%s); keeping its last values", gauge.name, error)
                self._failing = True

    def value(self, name: str, **labels: str) -> float | None:
        """The last sample of one series (for tests and the CLI)."""
        for gauge in self._gauges:
            if gauge.name == name:
                return gauge.values.get(tuple(sorted(labels.items())))
        return None

    async def _run(self) -> None:
        while True:
            await self.sample_once()
            await asyncio.sleep(self._interval)

    async def _outbox(self, service: str, *, oldest: bool) -> dict[Labels, float]:
        outbox = self._db.tables.outbox
        async with self._db.reading() as connection:
            row = (await connection.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
            )).one()
        labels: Labels = (("service", service),)
        if not oldest:
            return {labels: float(row[0])}
        age = (self._db.clock.now() - row[1]).total_seconds() if row[1] is not None else 0.0
        return {labels: max(0.0, age)}

    async def _depths(self, queues: list[str], *, strip: bool = False, label: bool = True) -> dict[Labels, float]:
        depths: dict[Labels, float] = {}
        for queue in queues:
            try:
                depth = await self._broker.queue_depth(queue)
            except Exception:
                continue  # not declared yet (or the broker is away): no series rather than a wrong one
            name = queue.removesuffix(topology.PARKING_SUFFIX) if strip else queue
            depths[(("queue", name),) if label else ()] = float(depth)
        return depths
