"""What every service's command group shares: a bearer-token gRPC connection and a clean way to fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

import grpc
import typer

from aftercare_platform.errors import InvalidArgument

R = TypeVar("R")


def fail(message: str) -> NoReturn:
    """Print `error: …` on stderr and exit 1: commands never show a stack trace."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@contextmanager
def options_checked() -> Iterator[None]:
    """An option's value that cannot be sent (an unknown enum word: InvalidArgument) ends the command with
    its message, not a traceback."""
    try:
        yield
    except InvalidArgument as bad:
        fail(str(bad))


@dataclass
class GrpcConnection:
    target: str
    token: str
    timeout: float
    stub_class: Callable[[grpc.Channel], Any]
    options: Sequence[tuple[str, Any]] = field(default_factory=tuple)

    @contextmanager
    def stub(self) -> Iterator[Any]:
        if not self.token:
            fail("no token: pass --token or set AFTERCARE_TOKEN (aftercare token mint …)")
        with grpc.insecure_channel(self.target, options=list(self.options)) as channel:
            yield self.stub_class(channel)

    def call(self, method: Callable[..., R], request: Any) -> R:
        try:
            return method(request, metadata=[("authorization", f"Bearer {self.token}")], timeout=self.timeout)
        except grpc.RpcError as error:
            fail(f"{error.code().name}: {error.details()}")  # type: ignore[attr-defined]
