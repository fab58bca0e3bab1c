"""Names and arguments of the shared topology (see conventions.md, Events)."""

from __future__ import annotations

import re
from typing import Any

EVENTS_EXCHANGE = "aftercare.events"
DEAD_LETTER_EXCHANGE = "aftercare.dlx"
# what no queue is bound for lands here instead of vanishing (alternate exchange)
UNROUTED_EXCHANGE = "aftercare.unrouted"
UNROUTED_QUEUE = "aftercare.unrouted"
UNROUTED_MAX_LENGTH = 100_000
PARKING_SUFFIX = ".dlq"
_QUEUE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z][a-z0-9.-]*$")


def parking_queue(queue: str) -> str:
    return queue + PARKING_SUFFIX


def validate_queue_name(queue: str) -> str:
    """`<consuming service>.<purpose>`, e.g. `notify.case-events`."""
    if not _QUEUE.match(queue) or queue.endswith(PARKING_SUFFIX):
        raise ValueError(f"queue {queue!r} is not <service>.<purpose>")
    return queue


def work_queue_arguments(queue: str, delivery_limit: int) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": queue,
        # at-least-once dead-lettering: a parked message is never dropped on the way
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


PARKING_QUEUE_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum"}


def binding_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` is zero or more."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
