"""What a consumer is given: a queue, the routing keys it binds and the handler of its events, which takes
them one at a time or a window's at once.

A window handler gets every fresh event of a window (in arrival order, duplicates already dropped by the inbox)
in the window's one transaction, so it can write them together: one statement for the lot instead of a
round trip each (the largest share of a consumer's cost once the platform's own path is batched). When a
window fails and its events are handled one by one, it gets one event at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aftercare_platform.bus import topology
from aftercare_platform.bus.consumer_spans import event_span, window_span
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.bus.ports import Delivery
from aftercare_platform.db.unit_of_work import UnitOfWork

EventHandler = Callable[[CloudEvent, UnitOfWork], Awaitable[None]]
WindowHandler = Callable[[Sequence[CloudEvent], UnitOfWork], Awaitable[None]]


@dataclass
class EventSubscription:
    """A queue `<service>.<purpose>`, the routing-key patterns it binds, and its handler: `handler` for one
    event at a time, or `window_handler` for a window's events at once (exactly one of the two)."""

    queue: str
    bindings: list[str]
    handler: EventHandler | None = None
    retry_initial_wait: float = 0.05
    retry_max_wait: float = 2.0
    window_handler: WindowHandler | None = None

    def __post_init__(self) -> None:
        topology.validate_queue_name(self.queue)
        if (self.handler is None) == (self.window_handler is None):
            raise ValueError(f"{self.queue}: give a handler or a window_handler, one of the two")

    async def handle_one(self, event: CloudEvent, uow: UnitOfWork) -> None:
        if self.handler is not None:
            await self.handler(event, uow)
        else:
            assert self.window_handler is not None
            await self.window_handler([event], uow)

    async def handle_window(self, taken: Sequence[tuple[CloudEvent, Delivery]], uow: UnitOfWork) -> None:
        """A window's fresh events in one transaction: each in its own span, or all at once in one span."""
        if self.window_handler is None:
            for event, delivery in taken:
                with event_span(self.queue, event, delivery):
                    await self.handle_one(event, uow)
        elif taken:
            with window_span(self.queue, taken):
                await self.window_handler([event for event, _ in taken], uow)
