"""Finds the services installed in this environment (entry points group `aftercare.services`)."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from aftercare_platform.service.definition import ServiceDefinition

GROUP = "aftercare.services"


def start_order(definitions: list[ServiceDefinition[Any]]) -> list[ServiceDefinition[Any]]:
    """Each service after those it names in `start_after` (ignoring names not given), else by name.

    A cycle is a mistake in a definition, so it fails loudly instead of picking an order."""
    by_name = {d.name: d for d in definitions}
    waiting = {d.name: {n for n in d.start_after if n in by_name and n != d.name} for d in definitions}
    ordered: list[ServiceDefinition[Any]] = []
    while waiting:
        ready = sorted(name for name, after in waiting.items() if not after)
        if not ready:
            raise RuntimeError(f"start_after makes a cycle among {sorted(waiting)}")
        first = ready[0]
        ordered.append(by_name[first])
        del waiting[first]
        for after in waiting.values():
            after.discard(first)
    return ordered


def installed_services() -> list[ServiceDefinition[Any]]:
    found = [entry.load() for entry in entry_points(group=GROUP)]
    return start_order([d for d in found if isinstance(d, ServiceDefinition)])
