"""Group commit (aftercare_platform.batching): what queues while a batch runs goes in the next one, in
arrival order; a failing batch, or an item a batch leaves undone, is done alone; a caller that gives up
does not stop the others; the batch's span links to every request in it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from aftercare_platform.batching import GroupCommitter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class Recorder:
    def __init__(self, *, fail_batches_with: int | None = None, leave: frozenset[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.alone: list[int] = []
        self.fail_with = fail_batches_with
        self.leave = leave

    async def batch(self, items: Sequence[int]) -> list[str | None]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # the transaction: whatever arrives meanwhile waits for the next batch
        if self.fail_with is not None and self.fail_with in items:
            raise RuntimeError("the batch failed")
        return [None if i in self.leave else f"batch:{i}" for i in items]

    async def one(self, item: int) -> str:
        self.alone.append(item)
        if item < 0:
            raise ValueError(f"item {item} is refused")
        return f"alone:{item}"


async def test_requests_arriving_during_a_batch_are_served_by_the_next_one_in_arrival_order():
    recorder = Recorder()
    committer: GroupCommitter[int, str] = GroupCommitter(recorder.batch, recorder.one, max_batch=8)
    results = await asyncio.gather(*(committer.submit("east", i) for i in range(20)))
    assert results == [f"batch:{i}" for i in range(20)]
    assert [i for batch in recorder.batches for i in batch] == list(range(20))
    assert max(len(b) for b in recorder.batches) == 8 and len(recorder.batches) < 20
    assert recorder.alone == []


async def test_keys_batch_separately_and_run_side_by_side():
    recorder = Recorder()
    committer: GroupCommitter[int, str] = GroupCommitter(recorder.batch, recorder.one)
    await asyncio.gather(*(committer.submit("east" if i % 2 else "west", i) for i in range(10)))
    assert all(len({i % 2 for i in batch}) == 1 for batch in recorder.batches)


async def test_a_failed_batch_is_done_alone_item_by_item_and_only_the_bad_item_fails():
    recorder = Recorder(fail_batches_with=-3)
    committer: GroupCommitter[int, str] = GroupCommitter(recorder.batch, recorder.one)
    first = asyncio.create_task(committer.submit("east", 0))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(committer.submit("east", i)) for i in (1, 2, -3, 4)]
    assert await first == "batch:0"
    done = await asyncio.gather(*rest, return_exceptions=True)
    assert done[0] == "alone:1" and done[1] == "alone:2" and done[3] == "alone:4"
    assert isinstance(done[2], ValueError)
    assert sorted(recorder.alone) == [-3, 1, 2, 4]


async def test_an_item_the_batch_leaves_undone_is_done_alone():
    recorder = Recorder(leave=frozenset({2}))
    committer: GroupCommitter[int, str] = GroupCommitter(recorder.batch, recorder.one)
    results = await asyncio.gather(*(committer.submit("east", i) for i in range(4)))
    assert results == ["batch:0", "batch:1", "alone:2", "batch:3"]


async def test_a_caller_that_gives_up_leaves_its_batch_running_for_the_others():
    recorder = Recorder()
    committer: GroupCommitter[int, str] = GroupCommitter(recorder.batch, recorder.one)
    first = asyncio.create_task(committer.submit("east", 0))
    await asyncio.sleep(0)
    impatient = asyncio.create_task(committer.submit("east", 1))
    patient = asyncio.create_task(committer.submit("east", 2))
    await asyncio.sleep(0)
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert await first == "batch:0" and await patient == "batch:2"
    assert recorder.batches == [[0], [1, 2]]  # the request was still made: its retry finds it by its id
    await committer.wait_idle()


async def test_the_batch_runs_in_a_span_linked_to_every_request_it_carries():
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracer = provider.get_tracer("test")
    recorder = Recorder()
    committer: GroupCommitter[int, str] = GroupCommitter(recorder.batch, recorder.one, name="creations",
                                                         tracer=tracer)

    async def request(n: int) -> int:
        with tracer.start_as_current_span(f"request {n}") as span:
            await committer.submit("east", n)
            return span.get_span_context().span_id

    requests = await asyncio.gather(*(request(n) for n in range(5)))
    batches = [s for s in spans.get_finished_spans() if s.name == "group-commit creations"]
    assert [b.attributes["aftercare.batch.size"] for b in batches] == [len(b) for b in recorder.batches]
    linked = [link.context.span_id for b in batches for link in b.links]
    assert sorted(linked) == sorted(requests)
    provider.shutdown()
