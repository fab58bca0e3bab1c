"""What the service runner needs from the long-lived parts it starts and stops in order."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Component(Protocol):
    """Something with a life: a consumer, the outbox relay, a scheduler, a server."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking new work, finish what is in flight, release resources."""
        ...
