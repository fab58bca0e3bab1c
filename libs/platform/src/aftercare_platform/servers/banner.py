"""Saying at start-up where a service listens, once, for people and for log search."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from aftercare_platform.settings import ServiceSettings

if TYPE_CHECKING:
    from aftercare_platform.servers.runner import RunnerParts

log = logging.getLogger(__name__)


def print_banner(settings: ServiceSettings, parts: RunnerParts) -> None:
    """A `service started` log line naming the ports; on a terminal also a readable line."""
    http_port = parts.http.port if parts.http else None
    grpc_port = parts.grpc.port if parts.grpc else None
    grpc_services = list(parts.grpc.service_names) if parts.grpc else []
    log.info(
        "service started",
        extra={
            "http_port": http_port,
            "grpc_port": grpc_port,
            "grpc_services": grpc_services,
            "consumers": [component.name for component in parts.consumers],
            "background": [component.name for component in parts.background],
            # "uvloop" or "asyncio": which AFTERCARE_EVENT_LOOP the process runs on
            "event_loop": type(asyncio.get_running_loop()).__module__.partition(".")[0],
        },
    )
    if not sys.stderr.isatty():
        return
    from rich.console import Console

    where = []
    if http_port is not None:
        where.append(f"http :{http_port} (/healthz /readyz /metrics)")
    if grpc_port is not None:
        where.append(f"grpc :{grpc_port} ({', '.join(grpc_services) or 'health only'})")
    Console(stderr=True).print(
        f"[bold green]{settings.service_name}[/] [dim]({settings.region})[/] ready — " + " · ".join(where)
    )
