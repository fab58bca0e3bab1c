"""The stack the browser tests drive: cases, sla-timer, intake, survey and the console as real processes
(`python -m <service>`) on a fresh PostgreSQL database and this session's RabbitMQ vhost."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import httpx
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import terminate
from aftercare_platform.testing.waiting import eventually


class Process:
    """One service as `python -m <module>`, configured by AFTERCARE_* variables only, logging to a file."""

    def __init__(self, module: str, settings: dict[str, str], log_dir: Path) -> None:
        self.module = module
        self.http_port, self.grpc_port = free_port(), free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
        environment["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "aftercare-e2e-pycache")
        settings = {**settings, "http_port": str(self.http_port), "grpc_port": str(self.grpc_port)}
        self.env = {**environment, **{f"AFTERCARE_{k.upper()}": v for k, v in settings.items()}}
        self.log = log_dir / f"{module}.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    def configure(self, **settings: str) -> None:
        self.env.update({f"AFTERCARE_{k.upper()}": v for k, v in settings.items()})

    async def start(self, within: float = 240) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", self.module, env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=log, stderr=log)
        process = self.process
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.http_port}", timeout=2) as http:

            async def ready() -> bool:
                if process.returncode is not None:
                    raise AssertionError(f"{self.module} exited with {process.returncode}:\n{self.tail()}")
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, within=within, what=f"{self.module} ready")

    async def stop(self) -> int:
        process, self.process = self.process, None
        if process is None:
            return 0
        return await terminate(process) or 0
