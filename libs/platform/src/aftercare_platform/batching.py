"""Group commit: requests that arrive while one transaction about the same key runs are handled
together in the next one, instead of each queueing on a row lock in a transaction of its own.

No request waits for a batch to fill: a batch is whatever queued while the previous one ran (one
request alone when the service is quiet). One batch per key runs at a time, in arrival order. A
batch that fails, or leaves an item undone, hands those items to `alone` (the one-request path),
so one bad request never fails the others and nothing is lost. A caller that gives up (cancelled)
does not stop the batch its request is in: the others in it are served, and the request's own
idempotency (its request id) covers the caller's retry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Link, SpanContext

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("aftercare.batching")

Item = TypeVar("Item")
Result = TypeVar("Result")

# a batch's results, one per item in order; None: not done in the batch, to be done alone
BatchRun = Callable[[Sequence[Item]], Awaitable[Sequence[Result | None]]]
AloneRun = Callable[[Item], Awaitable[Result]]


@dataclass
class _Queued(Generic[Item, Result]):
    item: Item
    future: asyncio.Future[Result] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    # the submitter's span: the batch's span links to it, so each request's trace shows the batch it went in
    origin: SpanContext = field(default_factory=lambda: trace.get_current_span().get_span_context())


class GroupCommitter(Generic[Item, Result]):
    def __init__(self, batch: BatchRun[Item, Result], alone: AloneRun[Item, Result], *, max_batch: int = 64,
                 name: str = "batch", tracer: trace.Tracer | None = None) -> None:
        self._name = name  # the batch span's: "group-commit <name>"
        self._tracer = tracer or _tracer
        self._batch = batch
        self._alone = alone
        self._max = max_batch
        self._queues: dict[Hashable, list[_Queued[Item, Result]]] = {}
        self._running: dict[Hashable, asyncio.Task[None]] = {}
        self._stragglers: set[asyncio.Task[None]] = set()
        self.batches = 0  # how many batches ran (and how many items they held): for tests and metrics
        self.batched_items = 0

    async def submit(self, key: Hashable, item: Item) -> Result:
        queued: _Queued[Item, Result] = _Queued(item)
        self._queues.setdefault(key, []).append(queued)
        if key not in self._running:
            self._running[key] = asyncio.create_task(self._drain(key), name=f"group-commit-{key}")
        return await asyncio.shield(queued.future)

    async def _drain(self, key: Hashable) -> None:
        try:
            while queue := self._queues.get(key):
                taken, queue[:] = queue[: self._max], queue[self._max:]
                await self._run(taken)
        finally:  # the loop ends with the queue empty; only a cancelled drain (shutdown) leaves some behind
            self._running.pop(key, None)
            for queued in self._queues.pop(key, []):
                queued.future.cancel()

    async def _run(self, taken: list[_Queued[Item, Result]]) -> None:
        links = [Link(q.origin) for q in taken if q.origin.is_valid]
        try:
            with self._tracer.start_as_current_span(f"group-commit {self._name}", links=links,
                                               attributes={"aftercare.batch.size": len(taken)}):
                results: Sequence[Result | None] = await self._batch([q.item for q in taken])
            self.batches += 1
            self.batched_items += sum(r is not None for r in results)
        except Exception:
            log.warning("a batch of %d failed; each of its requests is retried alone", len(taken), exc_info=True)
            results = [None] * len(taken)
        for queued, result in zip(taken, results, strict=True):
            if result is not None:
                _settle(queued.future, result)
            else:
                task = asyncio.create_task(self._one(queued))
                self._stragglers.add(task)
                task.add_done_callback(self._stragglers.discard)

    async def _one(self, queued: _Queued[Item, Result]) -> None:
        try:
            result = await self._alone(queued.item)
        except BaseException as error:  # the caller gets it, as if it had run alone
            if not queued.future.done():
                queued.future.set_exception(error)
                queued.future.exception()  # retrieved: a caller that gave up leaves no warning behind
            if not isinstance(error, Exception):
                raise
        else:
            _settle(queued.future, result)

    async def wait_idle(self) -> None:
        """Until every batch and every request handed to `alone` has finished (tests, shutdown)."""
        while self._running or self._stragglers:
            await asyncio.gather(*self._running.values(), *self._stragglers, return_exceptions=True)


def _settle(future: asyncio.Future[Result], result: Result) -> None:
    if not future.done():
        future.set_result(result)
