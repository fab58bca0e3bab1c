"""`make run`'s local supervisor: a crashed service is restarted with backoff, as Kubernetes would, and
the terminal is told; Ctrl-C stops every service gracefully."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# a service that stayed up this long before crashing starts again from the shortest wait
_STABLE_SECONDS = 60.0


@dataclass
class Backoff:
    """Waits before each restart: first, doubled each crash, at most `cap`; reset after a stable run."""

    first: float = 1.0
    cap: float = 30.0
    crashes: int = 0

    def next_wait(self, ran_seconds: float) -> float:
        if ran_seconds >= _STABLE_SECONDS:
            self.crashes = 0
        self.crashes += 1
        return float(min(self.cap, self.first * 2 ** (self.crashes - 1)))


@dataclass
class Supervised:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    backoff: Backoff = field(default_factory=Backoff)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0

    def start(self) -> None:
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops the children in order
            )
        self.started_at = time.monotonic()
        self.restart_at = None


class Supervisor:
    def __init__(self, services: list[Supervised], say: Callable[[str], None]) -> None:
        self.services = services
        self._say = say
        self._stop_requested = False

    def request_stop(self, *_: object) -> None:
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def install_signals(self) -> None:
        """Ctrl-C and SIGTERM ask for a graceful stop. The children run in sessions of their own (so a terminal's
        Ctrl-C reaches only this process): installed before the first starts, a signal while they come up cannot
        kill this process and leave them running."""
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

    def start_all(self) -> None:
        for service in self.services:
            service.start()

    def watch_once(self) -> None:
        """Restart what is due; notice what crashed and schedule its restart."""
        now = time.monotonic()
        for service in self.services:
            if service.restart_at is not None:
                if now >= service.restart_at:
                    service.restarts += 1
                    self._say(f"restarting {service.name} (restart #{service.restarts})")
                    service.start()
                continue
            process = service.process
            if process is None or process.poll() is None:
                continue
            wait = service.backoff.next_wait(now - service.started_at)
            service.restart_at = now + wait
            self._say(f"{service.name} exited with {process.returncode}; restarting in {wait:g} s "
                      f"(see {service.log_path})")

    def run(self, *, poll_seconds: float = 0.3, install_signals: bool = True) -> int:
        if install_signals:
            self.install_signals()
        while not self._stop_requested:
            self.watch_once()
            time.sleep(poll_seconds)
        return self.stop_all()

    def stop_all(self, grace_seconds: float = 30) -> int:
        running = [s for s in self.services if s.process is not None and s.process.poll() is None]
        for service in running:
            assert service.process is not None
            service.process.send_signal(signal.SIGTERM)
        failed = 0
        for service in running:
            assert service.process is not None
            try:
                service.process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                service.process.kill()
                failed += 1
            self._say(f"{service.name} stopped ({service.process.returncode})")
        return 1 if failed else 0
