"""A service's command group (`aftercare case …`): a Typer app whose callback reads the shared options
(--target, --token, --timeout) into the `GrpcConnection` every command finds in `ctx.obj`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc
import typer

from aftercare_platform.cli.grpc_connection import GrpcConnection


def service_app(help: str, *, service: str, stub_class: Callable[[grpc.Channel], Any], default_target: str,
                timeout: float = 30.0, options: Sequence[tuple[str, Any]] = ()) -> typer.Typer:
    """The group's app; the target comes from --target or AFTERCARE_<SERVICE>_TARGET, the token from
    --token or AFTERCARE_TOKEN."""
    app = typer.Typer(help=help, no_args_is_help=True)
    envvar = f"AFTERCARE_{service.upper().replace('-', '_')}_TARGET"

    @app.callback()
    def connect(
        ctx: typer.Context,
        target: str = typer.Option(default_target, envvar=envvar, help=f"host:port of the {service} service."),
        token: str = typer.Option("", envvar="AFTERCARE_TOKEN", help="Bearer token.", show_default=False),
        seconds: float = typer.Option(timeout, "--timeout", help="Seconds per call."),
    ) -> None:
        ctx.obj = GrpcConnection(target, token, seconds, stub_class, options=tuple(options))

    return app
