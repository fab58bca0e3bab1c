"""Runs the firing loop on an event loop of its own thread (a Component for the service runner).

On the service's loop the outbox relay, the consumers and the servers take turns with it, and a relay
busy publishing delayed instants by a hundred milliseconds and more. On its own loop the firing loop
waits only for the GIL, which a short switch interval hands over within a millisecond or so."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future

from sla_timer.entrypoints.firing_scheduler import FiringScheduler

log = logging.getLogger(__name__)
# how long a thread that wants the GIL waits at most before the running one hands it over (default 5 ms)
SWITCH_INTERVAL_SECONDS = 0.001


class FiringThread:
    def __init__(self, scheduler: FiringScheduler, *, on_service_loop: Callable[[], None]) -> None:
        self.name = scheduler.name
        self._scheduler = scheduler
        # called on the service's loop at start (lets the scheduler reach it, e.g. to re-read policies)
        self._on_service_loop = on_service_loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    async def start(self) -> None:
        self._on_service_loop()
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))
        # what start-up built (modules, holiday tables, the policy set) lives on: keep it out of every full
        # collection, which otherwise stops the firing loop for tens of milliseconds now and then
        gc.freeze()
        started: Future[None] = Future()
        self._thread = threading.Thread(target=self._main, args=(started,), name=self.name, daemon=True)
        self._thread.start()
        await asyncio.wrap_future(started)

    def _main(self, started: Future[None]) -> None:
        asyncio.run(self._serve(started))

    async def _serve(self, started: Future[None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        try:
            await self._scheduler.start()
        except BaseException as failure:
            started.set_exception(failure)
            return
        started.set_result(None)
        await self._stopped.wait()
        await self._scheduler.stop()

    async def stop(self) -> None:
        if self._loop is not None and self._stopped is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
