"""A service process's life: start everything in order, and on SIGTERM stop it in the order that loses
nothing: not-ready → stop consuming → stop servers (finishing their requests) → stop background work (the
relay last, publishing what those requests committed) → close → flush."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aftercare_platform.lifecycle import Component
from aftercare_platform.servers.banner import print_banner
from aftercare_platform.servers.event_loop import run_on
from aftercare_platform.servers.heap import settle_heap
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.logs import configure_logging
from aftercare_platform.telemetry.setup import Telemetry, setup_telemetry

log = logging.getLogger(__name__)

# closes a resource: the broker connection, the database engine
Closer = Callable[[], Awaitable[None]]

# a repeat of the first signal within this window is the same keypress delivered twice
_REPEAT_SIGNAL_WINDOW_SECONDS = 1.0

SHUTDOWN_STEPS = (
    "not ready",
    "stop consuming",
    "stop servers",
    "stop background components",
    "close resources",
    "flush telemetry",
)


class GrpcServing(Component, Protocol):
    """What the runner needs of a gRPC server (a GrpcServer, or several run as one)."""

    @property
    def port(self) -> int | str: ...

    @property
    def service_names(self) -> Sequence[str]: ...

    async def set_not_serving(self) -> None: ...


class HttpServing(Component, Protocol):
    """What the runner needs of an HTTP server (an HttpServer, or several run as one)."""

    @property
    def port(self) -> int | str: ...

    def set_not_ready(self) -> None: ...


@dataclass
class RunnerParts:
    """What a service runs, by the role each part plays in start-up and shutdown."""

    grpc: GrpcServing | None = None
    http: HttpServing | None = None
    # take work from the broker; stopped first, each finishing its in-flight message inside stop()
    consumers: list[Component] = field(default_factory=list)
    # the outbox relay, schedulers: started before consumers, stopped after them
    background: list[Component] = field(default_factory=list)
    # called last, in reverse order of registration (register the database before the broker)
    closers: list[Closer] = field(default_factory=list)


# builds the parts once telemetry exists (interceptors and instrumentations need its providers)
PartsBuilder = Callable[[Telemetry], Awaitable[RunnerParts]]


class ServiceRunner:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        telemetry: Telemetry | None = None,
        drain_seconds: float | None = None,
        handle_signals: bool = True,
        settle_heap_after_start: bool = False,
    ) -> None:
        """`drain_seconds` (default AFTERCARE_DRAIN_SECONDS): how long to stay up but not-ready before
        stopping, so load balancers notice."""
        self.settings = settings
        self.telemetry = telemetry
        self._drain_seconds = settings.drain_seconds if drain_seconds is None else drain_seconds
        self._handle_signals = handle_signals
        # a service's own process (not a test's, whose heap is shared with everything else it runs)
        self._settle_heap = settle_heap_after_start
        self._stop_requested = asyncio.Event()
        self._stopping = False
        self._first_signal_at = 0.0
        self._started: list[Component] = []

    def request_shutdown(self, reason: str = "requested") -> None:
        """Begin the graceful shutdown (what SIGTERM does); components may call this when they fail."""
        if not self._stop_requested.is_set():
            log.info("shutdown requested", extra={"reason": reason})
        self._stop_requested.set()

    async def run(self, parts: RunnerParts | PartsBuilder) -> None:
        """Run until SIGTERM/SIGINT (or `request_shutdown`), then shut down in order and return."""
        telemetry = self.telemetry = self.telemetry or setup_telemetry(self.settings)
        loop = asyncio.get_running_loop()
        # installed before building, so a SIGTERM during migrations still ends in an orderly shutdown
        installed = self._install_signal_handlers(loop)
        try:
            try:
                # a builder that fails must close what it opened itself: its closers never reached us
                built = parts if isinstance(parts, RunnerParts) else await parts(telemetry)
            except BaseException:
                telemetry.shutdown()
                raise
            try:
                await self._start(built)
                if self._settle_heap:
                    settle_heap()
                print_banner(self.settings, built)
                await self._stop_requested.wait()
            finally:
                await self.shutdown(built)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    async def _start(self, parts: RunnerParts) -> None:
        order: list[Component] = [*parts.background, *parts.consumers]
        order += [server for server in (parts.grpc, parts.http) if server is not None]
        for component in order:
            log.info("starting %s", component.name, extra={"component": component.name})
            await component.start()
            self._started.append(component)

    async def shutdown(self, parts: RunnerParts) -> None:
        if self._stopping:
            return
        self._stopping = True
        await self._step(1, self._not_ready(parts))
        await self._step(2, self._stop_all(parts.consumers, concurrently=True))
        # the servers finish their requests while the background parts still run (intake's deliverer, the relay
        # that publishes what those requests commit); then the background parts stop, the relay last
        await self._step(3, self._stop_servers(parts))
        await self._step(4, self._stop_all(list(reversed(parts.background)), concurrently=False))
        await self._step(5, self._close(parts.closers))
        await self._step(6, self._flush())
        log.info("service stopped")

    async def _step(self, number: int, work: Awaitable[None]) -> None:
        name = SHUTDOWN_STEPS[number - 1]
        log.info("shutdown step %d/%d: %s", number, len(SHUTDOWN_STEPS), name,
                 extra={"shutdown_step": number, "step": name})
        try:
            # bounded, so a stuck part cannot keep the pod from terminating; the next steps still run
            async with asyncio.timeout(self.settings.shutdown_grace_seconds + max(self._drain_seconds, 0) + 5):
                await work
        except Exception:
            log.exception("shutdown step %d (%s) failed; continuing", number, name)

    async def _not_ready(self, parts: RunnerParts) -> None:
        if parts.http is not None:
            parts.http.set_not_ready()
        if parts.grpc is not None:
            await parts.grpc.set_not_serving()
        if self._drain_seconds > 0:
            await asyncio.sleep(self._drain_seconds)

    async def _stop_all(self, components: list[Component], *, concurrently: bool) -> None:
        running = [component for component in components if component in self._started]
        if concurrently:
            outcomes = await asyncio.gather(*(self._stop_one(c) for c in running), return_exceptions=True)
            for component, outcome in zip(running, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    log.error("stopping %s failed", component.name, exc_info=outcome)
        else:
            for component in running:
                try:
                    await self._stop_one(component)
                except Exception:
                    log.exception("stopping %s failed", component.name)

    async def _stop_one(self, component: Component) -> None:
        log.info("stopping %s", component.name, extra={"component": component.name})
        await component.stop()
        self._started.remove(component)
        log.info("stopped %s", component.name, extra={"component": component.name})

    async def _stop_servers(self, parts: RunnerParts) -> None:
        servers: list[Component] = [s for s in (parts.grpc, parts.http) if s is not None]
        await self._stop_all(servers, concurrently=True)

    async def _close(self, closers: list[Closer]) -> None:
        for close in reversed(closers):
            name = getattr(close, "__qualname__", repr(close))
            try:
                await close()
                log.info("closed %s", name, extra={"closer": name})
            except Exception:
                log.exception("closing %s failed", name)

    async def _flush(self) -> None:
        if self.telemetry is not None:
            # the exporters block while flushing; keep the loop free for anything still finishing
            await asyncio.to_thread(self.telemetry.shutdown)

    def _install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> list[signal.Signals]:
        if not self._handle_signals:
            return []
        installed = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
            installed.append(sig)
        return installed

    def _on_signal(self, sig: signal.Signals) -> None:
        now = asyncio.get_running_loop().time()
        if not self._stop_requested.is_set():
            self._first_signal_at = now
            self.request_shutdown(f"signal {sig.name}")
            return
        # launchers (make, uv run) and the terminal may each deliver the same Ctrl-C: ignore echoes
        if sig is signal.SIGINT and now - self._first_signal_at > _REPEAT_SIGNAL_WINDOW_SECONDS:
            # a second Ctrl-C means "now": skip the remaining graceful steps
            log.warning("second SIGINT during shutdown: exiting at once")
            logging.shutdown()
            os._exit(128 + sig.value)
        log.info("%s during shutdown ignored; shutdown continues", sig.name)


def run_service(settings: ServiceSettings, build: PartsBuilder, *, drain_seconds: float | None = None) -> None:
    """The whole `main()` of a service process: JSON logs, then run until SIGTERM."""
    configure_logging(settings)
    run_on(settings.event_loop,
           ServiceRunner(settings, drain_seconds=drain_seconds, settle_heap_after_start=True).run(build))
