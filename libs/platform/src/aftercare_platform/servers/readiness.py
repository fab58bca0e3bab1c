"""Readiness: may this process take traffic now? Its dependencies answer, and shutdown says no."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

# e.g. {"database": database.ping, "broker": broker.is_connected}
ReadinessCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class ReadinessReport:
    ready: bool
    # check name → "ok", "failed", "timed out after 2s" or "error: <type>"
    checks: dict[str, str]
    shutting_down: bool = False

    @property
    def failing(self) -> list[str]:
        return [name for name, outcome in self.checks.items() if outcome != "ok"]


class Readiness:
    def __init__(self, checks: Mapping[str, ReadinessCheck], *, timeout_seconds: float = 2.0) -> None:
        self._checks = dict(checks)
        self._timeout = timeout_seconds
        self._shutting_down = False

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def set_not_ready(self) -> None:
        """From now on /readyz says 503, whatever the checks say: the pod is leaving."""
        self._shutting_down = True

    async def evaluate(self) -> ReadinessReport:
        if self._shutting_down:
            return ReadinessReport(ready=False, checks={}, shutting_down=True)
        names = list(self._checks)
        outcomes = await asyncio.gather(*(self._run(name) for name in names))
        checks = dict(zip(names, outcomes, strict=True))
        return ReadinessReport(ready=all(outcome == "ok" for outcome in outcomes), checks=checks)

    async def _run(self, name: str) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                return "ok" if await self._checks[name]() else "failed"
        except TimeoutError:
            return f"timed out after {self._timeout:g}s"
        except Exception as error:
            log.warning("readiness check %s raised", name, exc_info=True, extra={"check": name})
            return f"error: {type(error).__name__}"
