"""Telling an outage (the database or broker cannot be reached) from a failure of the work itself.

An outage is waited out: a consumer holds its messages, an API answers 503 / UNAVAILABLE with
Retry-After. Only a failure of the work's own counts toward retries and parking."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import asyncpg
import sqlalchemy.exc
from aiormq.exceptions import AMQPConnectionError, ChannelInvalidStateError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential, wait_random

log = logging.getLogger(__name__)
T = TypeVar("T")

# how long a client is told to wait before retrying during an outage (Retry-After, seconds)
RETRY_AFTER_SECONDS = 2

# a server that is down, restarting, or shutting our session down
_ASYNCPG_OUTAGE = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
)
# InterfaceError subclasses that mean bad input, not a lost connection
_ASYNCPG_NOT_OUTAGE = (asyncpg.DataError, asyncpg.ClientConfigurationError)
_SQLALCHEMY_OUTAGE = (sqlalchemy.exc.DisconnectionError, sqlalchemy.exc.TimeoutError)
_BROKER_OUTAGE = (AMQPConnectionError, ChannelInvalidStateError)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_connection_failure(error: BaseException) -> bool:
    """True when `error` (or what caused it) says a connection to the database or broker was lost or refused."""
    for cause in _chain(error):
        if isinstance(cause, _ASYNCPG_NOT_OUTAGE):
            return False
        if isinstance(cause, (*_ASYNCPG_OUTAGE, *_SQLALCHEMY_OUTAGE, *_BROKER_OUTAGE)):
            return True
        if isinstance(cause, sqlalchemy.exc.DBAPIError) and cause.connection_invalidated:
            return True
    return False


def is_outage_error(error: BaseException) -> bool:
    """For an API edge, which cannot probe: a lost connection, or a socket error on the way to one."""
    return is_connection_failure(error) or any(
        isinstance(cause, ConnectionError | TimeoutError) for cause in _chain(error)
    )


Probe = Callable[[], Awaitable[bool]]


class GateClosed(Exception):
    """The gate was closed (its owner stops) while work waited at it."""


class OutageGate:
    """Shared by everything that waits for one dependency: while it is unreachable, the gate is shut and
    one prober asks it again with backoff; waiters resume together once it answers."""

    def __init__(self, what: str, probe: Probe, *, first_wait: float = 0.2, max_wait: float = 5.0,
                 probe_timeout: float = 3.0) -> None:
        self.what = what
        self._probe = probe
        self._first_wait, self._max_wait, self._probe_timeout = first_wait, max_wait, probe_timeout
        self._open = asyncio.Event()
        self._open.set()
        self._prober: asyncio.Task[None] | None = None
        self._closed_at = 0.0
        self._shut_down = False
        self.outages = 0

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    async def answers(self) -> bool:
        try:
            async with asyncio.timeout(self._probe_timeout):
                return await self._probe()
        except Exception:
            return False

    async def is_outage(self, error: BaseException) -> bool:
        """Is `error` the dependency's fault? A lost connection is; anything else only if the probe fails now."""
        return is_connection_failure(error) or not await self.answers()

    async def wait_open(self) -> None:
        await self._open.wait()
        if self._shut_down:
            raise GateClosed(self.what)

    async def wait_out(self, error: BaseException) -> None:
        """Shut the gate (if it is not already) and return once the dependency answers again."""
        if self._open.is_set():
            self._open.clear()
            self._closed_at = time.monotonic()
            self.outages += 1
            # once per outage, without a stack: the cause is the other side, not this code
            log.warning("%s unreachable (%s: %s); holding work until it answers", self.what,
                        type(error).__name__, error)
            self._prober = asyncio.create_task(self._probe_until_open(), name=f"probe:{self.what}")
        await self.wait_open()

    async def _probe_until_open(self) -> None:
        wait = self._first_wait
        while not await self.answers():
            await asyncio.sleep(wait + random.uniform(0, self._first_wait))
            wait = min(wait * 2, self._max_wait)
        log.warning("%s answers again after %.1f s; resuming", self.what, time.monotonic() - self._closed_at)
        self._open.set()

    def reopen(self) -> None:
        self._shut_down = False
        self._open.set()

    async def close(self) -> None:
        """Wake every waiter with GateClosed and stop probing."""
        self._shut_down = True
        self._open.set()
        if self._prober is not None and not self._prober.done():
            self._prober.cancel()
            try:
                await self._prober
            except asyncio.CancelledError:
                pass


async def retry_through_blips(step: Callable[[], Awaitable[T]], *, within: float, what: str,
                              sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> T:
    """Run `step` (safe to repeat) until it succeeds, with backoff, for at most `within` seconds: a database
    blip is over in seconds; returns what the step returned. The last failure is raised when it lasts longer."""
    retrying = AsyncRetrying(
        stop=stop_after_delay(within),
        wait=wait_exponential(multiplier=0.1, max=2.0) + wait_random(0, 0.1),
        retry=retry_if_exception_type(Exception),
        reraise=True,
        sleep=sleep,
    )
    async for attempt in retrying:
        with attempt:
            if attempt.retry_state.attempt_number == 2:
                log.warning("%s failed; retrying until it succeeds (at most %.0f s)", what, within)
            return await step()
    raise AssertionError("unreachable: tenacity re-raises the last failure")  # pragma: no cover
