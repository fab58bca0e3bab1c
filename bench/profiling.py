"""Where a service's CPU goes during a bench phase: py-spy samples the running process (without pausing it)
and the raw stacks are summed two ways, printed under the phase's figures:

- own: the package whose code was on top of the stack (the event loop's C code shows as `asyncio`, the
  database driver's as `asyncpg`, a thread's native code, such as grpc's completion-queue poller, as `threading`);
- within: the service's and the platform's own functions, counting every sample they were on the stack for.

A profiled run spends some CPU on sampling, so its figures are a little lower than an unprofiled run's."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::\d+)?\)$")
# the roots every sample of a service shares: listed, they would say nothing
_ROOTS = ("run_on ", "service_main ", "<module> ")


def _package(path: str) -> str:
    path = re.sub(r".*/(site-packages|src|lib/python3\.\d+)/", "", path)
    return path.split("/")[0].removesuffix(".py") or "(native)"


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    return f"{match['function']} ({re.sub(r'.*/(src|site-packages)/', '', match['path'])})"


class Sampled:
    """py-spy recording one process from `start()` until `stop()`."""

    def __init__(self, name: str, pid: int, rate: int = 100, package: str | None = None) -> None:
        self.name, self.pid, self.rate = name, pid, rate
        package = package or name.split()[0].replace("-", "_")  # "sla-timer 1" is sla_timer's
        # the code whose inclusive time is listed: the service's package and the platform's (py-spy names a file
        # by its path under its sys.path entry)
        self._own = re.compile(rf"\((.*/)?({re.escape(package)}|aftercare_platform)/")
        self._out = Path(tempfile.mkdtemp(prefix="bench-profile-")) / f"{name}.txt"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        spy = shutil.which("py-spy")
        if spy is None:
            raise SystemExit("--profile needs py-spy (a dev dependency: make install)")
        self._process = subprocess.Popen(
            [spy, "record", "--pid", str(self.pid), "--rate", str(self.rate), "--nonblocking", "--format", "raw",
             "--output", str(self._out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)  # py-spy writes what it sampled, then exits
            self._process.wait(30)

    def summary(self, top: int = 8) -> str:
        own: Counter[str] = Counter()
        within: Counter[str] = Counter()
        callee: Counter[tuple[str, str]] = Counter()  # (caller, callee) among the own code's frames
        total = 0
        text = self._out.read_text() if self._out.exists() else ""
        for line in text.splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            samples, frames = int(count), stack.split(";")
            total += samples
            top_frame = _FRAME.match(frames[-1])
            own[_package(top_frame["path"]) if top_frame else "(native)"] += samples
            chain = [_short(f) for f in frames if self._own.search(f) and not f.startswith(_ROOTS)]
            for n, frame in enumerate(dict.fromkeys(chain)):  # a recursive frame counts once
                within[frame] += samples
                if n + 1 < len(chain):
                    callee[(frame, chain[n + 1])] += samples
        if not total:
            return f"    {self.name}: no samples"
        def share(n: int) -> str:
            return f"{100 * n / total:.0f}%"

        lines = [f"    {self.name} ({total} samples at {self.rate}/s) own: "
                 + ", ".join(f"{package} {share(n)}" for package, n in own.most_common(top))]
        # a wrapper (an interceptor, a middleware) spends nearly all its time in the one frame it calls: listed
        # instead of it, the frames where the time divides say more
        widest: dict[str, int] = {}
        for (caller, _), n in callee.items():
            widest[caller] = max(widest.get(caller, 0), n)
        telling = [(frame, n) for frame, n in within.most_common() if widest.get(frame, 0) < 0.95 * n]
        lines += [f"      {share(n):>4} within {frame}" for frame, n in telling[:top]]
        return "\n".join(lines)


class Profiles:
    """The services of a bench, sampled phase by phase when `enabled` (`--profile`)."""

    def __init__(self, pids: dict[str, int], enabled: bool, package: str | None = None) -> None:
        self._pids = pids if enabled else {}
        self._package = package
        self._running: list[Sampled] = []

    def start(self) -> None:
        self._running = [Sampled(name, pid, package=self._package) for name, pid in self._pids.items()]
        for sampled in self._running:
            sampled.start()

    def stop(self) -> str:
        """Stop sampling; where each service's time went, or "" when not profiling."""
        for sampled in self._running:
            sampled.stop()
        summaries, self._running = [s.summary() for s in self._running], []
        return "\n".join(summaries)
