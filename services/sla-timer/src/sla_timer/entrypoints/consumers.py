"""The one queue sla-timer consumes: every case event, the dispatch events that run the on-site and
loaner clocks, and the contract events that say which policy a contract selects."""

from __future__ import annotations

from aftercare_platform.bus.consumer import EventSubscription

from sla_timer.handlers import SlaHandlers

QUEUE = "sla-timer.case-events"
BINDINGS = ["case.#", "visit.#", "rma.#", "loaner.#", "contract.#"]


def subscriptions(handlers: SlaHandlers) -> list[EventSubscription]:
    return [EventSubscription(QUEUE, BINDINGS, handlers.on_event)]
