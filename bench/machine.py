"""What the figures were measured on: printed by every benchmark."""

from __future__ import annotations

import os
import platform
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager

from aftercare_platform.testing.infra import Servers, create_database, drop_database, start_servers


def describe() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, {platform.system()}"


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def _cpu_seconds_of(pid: int) -> float:
    """User + system CPU seconds of a process and its reaped children, from /proc (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[11:15] are utime, stime, cutime, cstime (the stat fields 14-17) in clock ticks
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _pids_named(name: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == name:
                        found.append(int(entry))
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU seconds spent by each of the bench's processes, and by PostgreSQL and RabbitMQ on the box, between
    two readings: where the time of one unit of work goes (unlike wall time, it barely moves with load)."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.processes = processes  # the services measured (without the bench itself)
        self._processes = {**processes, "bench client": os.getpid()}

    def read(self) -> dict[str, float]:
        seconds = {label: _cpu_seconds_of(pid) for label, pid in self._processes.items()}
        # server processes come and go (one PostgreSQL backend per connection): the sum over the live ones
        seconds["PostgreSQL"] = sum(_cpu_seconds_of(pid) for pid in _pids_named("postgres"))
        seconds["RabbitMQ"] = sum(_cpu_seconds_of(pid) for pid in _pids_named("beam.smp"))
        return seconds

    def since(self, before: dict[str, float], units: int, unit: str, *, per: int = 1,
              until: dict[str, float] | None = None) -> str:
        """CPU ms per `per` units of work (`units` of them done) by each since the reading `before` (until the
        reading `until`, or now), and in all."""
        units, measure = max(1, units // per), (f"{per:,} {unit}s" if per > 1 else unit)
        after = until if until is not None else self.read()
        spent = {label: max(0.0, after[label] - before.get(label, 0.0)) for label in after}
        total = sum(spent.values())
        parts = ", ".join(f"{label} {seconds * 1000 / units:.1f}" for label, seconds in spent.items())
        # the ceiling when the box's cores do nothing else: the services' CPU a unit, the bench's own left out
        served = (total - spent["bench client"]) / units
        cores = os.cpu_count() or 1
        ceiling = f"; so at most ~{per * cores / served:,.0f} {unit}s/s on {cores} cores" if served > 0 else ""
        # the floor no service code can lower: the database's and the broker's share alone
        servers = (spent["PostgreSQL"] + spent["RabbitMQ"]) / units
        if served > 0 and servers > 0:
            ceiling += f", ~{per * cores / servers:,.0f} if the services cost nothing (PostgreSQL and RabbitMQ alone)"
        return f"CPU ms per {measure}: {parts}; {total * 1000 / units:.1f} in all{ceiling}"


@asynccontextmanager
async def bench_database(servers: Servers) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one bench run (its URL), dropped after."""
    name, url = await create_database(servers.pg_admin_url, "aftercare_bench")
    try:
        yield url
    finally:
        await drop_database(servers.pg_admin_url, name)


@contextmanager
def local_servers(title: str) -> Iterator[Servers]:
    """Say what the bench measures and on what machine, and find (or start) the local PostgreSQL and RabbitMQ."""
    print(f"{title} on {describe()}")
    with ExitStack() as stack:
        yield start_servers(stack)
