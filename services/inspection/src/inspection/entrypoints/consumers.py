"""The events inspection consumes: none yet (it keeps its own schedule; see architecture.md)."""

from __future__ import annotations

from aftercare_platform.bus.consumer import EventSubscription


def subscriptions() -> list[EventSubscription]:
    return []
