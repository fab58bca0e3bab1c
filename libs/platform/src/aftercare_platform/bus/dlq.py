"""Parked messages: look at them, and put them back on their queue once the cause is fixed."""

from __future__ import annotations

from dataclasses import dataclass

from aftercare_platform.bus import topology
from aftercare_platform.bus.ports import Broker, Delivery, OutgoingMessage

REPLAYED_HEADER = "x-aftercare-replayed"


@dataclass(frozen=True)
class ParkedMessage:
    message_id: str | None
    routing_key: str
    body: bytes
    headers: dict[str, object]


async def list_parked(broker: Broker, queue: str, limit: int = 50) -> list[ParkedMessage]:
    """Read up to `limit` parked messages and leave them parked."""
    held: list[Delivery] = []
    try:
        while len(held) < limit:
            delivery = await broker.get(topology.parking_queue(queue))
            if delivery is None:
                break
            held.append(delivery)
        return [ParkedMessage(d.message_id, d.routing_key, d.body, dict(d.headers)) for d in held]
    finally:
        for delivery in held:
            await delivery.reject(requeue=True)


async def replay(broker: Broker, queue: str, limit: int | None = None) -> int:
    """Move parked messages back onto `queue` (confirmed before they leave the parking queue).

    Only what is parked when it starts: a message that fails again and is parked anew waits for
    the next replay instead of circling between the two queues."""
    parked_now = await broker.queue_depth(topology.parking_queue(queue))
    budget = parked_now if limit is None else min(limit, parked_now)
    moved = 0
    while moved < budget:
        delivery = await broker.get(topology.parking_queue(queue))
        if delivery is None:
            break
        headers = {k: str(v) for k, v in delivery.headers.items() if not k.startswith("x-")}
        headers[REPLAYED_HEADER] = str(int(_replays(delivery)) + 1)
        await broker.send_to_queue(
            queue,
            OutgoingMessage(
                body=delivery.body,
                message_id=delivery.message_id or "",
                routing_key=delivery.routing_key,
                headers=headers,
            ),
        )
        await delivery.ack()
        moved += 1
    return moved


def _replays(delivery: Delivery) -> int:
    raw = delivery.headers.get(REPLAYED_HEADER, 0)
    try:
        return int(str(raw))
    except ValueError:
        return 0
