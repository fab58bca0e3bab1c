"""ServiceRunner in-process: start order, shutdown order, and a failing part never stops the rest."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from aftercare_platform.servers.heap import YOUNG_GENERATION_THRESHOLD
from aftercare_platform.servers.runner import Closer, RunnerParts, ServiceRunner
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import Telemetry, setup_telemetry
from prometheus_client import CollectorRegistry

SETTINGS = ServiceSettings(service_name="runner-test", shutdown_grace_seconds=1.0)


class Part:
    def __init__(self, name: str, events: list[str], *, fail_start: bool = False, fail_stop: bool = False):
        self.name, self.events = name, events
        self._fail_start, self._fail_stop = fail_start, fail_stop

    async def start(self) -> None:
        if self._fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.events.append(f"start {self.name}")

    async def stop(self) -> None:
        self.events.append(f"stop {self.name}")
        if self._fail_stop:
            raise RuntimeError(f"{self.name} cannot stop")


def closer(name: str, events: list[str]) -> Closer:
    async def close() -> None:
        events.append(f"close {name}")

    return close


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    configured = setup_telemetry(SETTINGS, registry=CollectorRegistry(), set_global=False)
    yield configured
    configured.shutdown()


async def run_until_started(runner: ServiceRunner, parts: RunnerParts) -> None:
    # asked to stop before it runs: it starts everything, then shuts down at once
    runner.request_shutdown("test")
    await runner.run(parts)


async def test_parts_start_background_first_and_stop_consumers_first(telemetry: Telemetry) -> None:
    events: list[str] = []
    parts = RunnerParts(
        consumers=[Part("consumer-a", events)],
        background=[Part("relay", events), Part("scheduler", events)],
        closers=[closer("database", events), closer("broker", events)],
    )

    await run_until_started(ServiceRunner(SETTINGS, telemetry=telemetry, handle_signals=False), parts)

    assert events == [
        "start relay", "start scheduler", "start consumer-a",
        "stop consumer-a", "stop scheduler", "stop relay",
        "close broker", "close database",
    ]


async def test_a_part_that_fails_to_stop_does_not_stop_the_shutdown(telemetry: Telemetry) -> None:
    events: list[str] = []
    parts = RunnerParts(
        consumers=[Part("stuck", events, fail_stop=True), Part("fine", events)],
        background=[Part("relay", events)],
        closers=[closer("database", events)],
    )

    await run_until_started(ServiceRunner(SETTINGS, telemetry=telemetry, handle_signals=False), parts)

    assert {"stop stuck", "stop fine", "stop relay", "close database"} <= set(events)


async def test_when_a_part_cannot_start_the_started_ones_are_stopped_and_resources_closed(
    telemetry: Telemetry,
) -> None:
    events: list[str] = []
    parts = RunnerParts(
        consumers=[Part("consumer", events, fail_start=True)],
        background=[Part("relay", events)],
        closers=[closer("database", events)],
    )

    with pytest.raises(RuntimeError, match="consumer cannot start"):
        await ServiceRunner(SETTINGS, telemetry=telemetry, handle_signals=False).run(parts)

    assert events == ["start relay", "stop relay", "close database"]


async def test_the_builder_gets_the_telemetry_the_runner_uses(telemetry: Telemetry) -> None:
    seen: list[Telemetry] = []
    runner = ServiceRunner(SETTINGS, telemetry=telemetry, handle_signals=False)

    async def build(given: Telemetry) -> RunnerParts:
        seen.append(given)
        runner.request_shutdown("built")
        return RunnerParts()

    await runner.run(build)

    assert seen == [telemetry]


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.parametrize("settle", [True, False])
async def test_a_service_process_settles_its_heap_once_started(telemetry: Telemetry, collector_restored: None,
                                                                settle: bool) -> None:
    gc.unfreeze()
    threshold = gc.get_threshold()
    parts = RunnerParts(background=[Part("relay", [])])
    runner = ServiceRunner(SETTINGS, telemetry=telemetry, handle_signals=False, settle_heap_after_start=settle)

    await run_until_started(runner, parts)

    if settle:  # what start-up built is out of the collector's sight; young collections are rarer
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *threshold[1:])
    else:  # a test's process, shared with everything else it runs, is left as it was
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == threshold
