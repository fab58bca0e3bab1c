"""Finds the services installed in this environment (entry points group `aftercare.services`)."""

from __future__ import annotations

from importlib.metadata import entry_points

from aftercare_platform.service.definition import ServiceDefinition

GROUP = "aftercare.services"
# the conventions' start order: those that others call first
ORDER = ("cases", "intake", "sla-timer", "dispatch", "notify", "inspection", "survey")


def installed_services() -> list[ServiceDefinition]:
    found = [entry.load() for entry in entry_points(group=GROUP)]
    definitions = [d for d in found if isinstance(d, ServiceDefinition)]
    return sorted(definitions, key=lambda d: (ORDER.index(d.name) if d.name in ORDER else len(ORDER), d.name))
