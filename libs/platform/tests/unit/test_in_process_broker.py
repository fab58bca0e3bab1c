"""The embedded broker keeps RabbitMQ's semantics: topic routing, acks, redelivery, dead-lettering."""

import asyncio

import pytest
from aftercare_platform.bus.in_process import InProcessBroker
from aftercare_platform.bus.ports import OutgoingMessage, PublishFailed
from aftercare_platform.bus.topology import UNROUTED_QUEUE, binding_matches


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("case.created.east", "case.created.east", True),
        ("case.*.east", "case.created.east", True),
        ("case.*.east", "case.created.south", False),
        ("case.#", "case.created.east", True),
        ("#", "anything.at.all", True),
        ("case.#.east", "case.east", True),
        ("*.created.*", "case.created", False),
        ("case.created", "case.created.east", False),
    ],
)
def test_topic_matching(pattern, key, matches):
    assert binding_matches(pattern, key) is matches


def message(key: str, mid: str = "m1") -> OutgoingMessage:
    return OutgoingMessage(body=b"{}", message_id=mid, routing_key=key)


async def test_routes_by_topic_and_parks_unrouted():
    broker = InProcessBroker()
    await broker.connect()
    await broker.declare_work_queue("notify.case-events", ["case.*.east"], 3)
    await broker.publish(message("case.created.east", "a"))
    await broker.publish(message("case.created.south", "b"))
    assert await broker.queue_depth("notify.case-events") == 1
    assert await broker.queue_depth(UNROUTED_QUEUE) == 1


async def test_reject_with_requeue_redelivers_until_the_limit_then_parks():
    broker = InProcessBroker()
    await broker.connect()
    await broker.declare_work_queue("svc.work", ["x.#"], 2)
    await broker.publish(message("x.happened.east"))
    counts = []
    for _ in range(3):
        delivery = await broker.get("svc.work")
        assert delivery is not None
        counts.append(delivery.delivery_count)
        await delivery.reject(requeue=True)
    assert counts == [0, 1, 2]
    assert await broker.queue_depth("svc.work") == 0
    assert await broker.queue_depth("svc.work.dlq") == 1


async def test_consumer_gets_messages_up_to_prefetch_and_more_after_acks():
    broker = InProcessBroker()
    await broker.connect()
    await broker.declare_work_queue("svc.work", ["x.#"], 5)
    for i in range(5):
        await broker.publish(message("x.y.east", str(i)))
    held = []
    got_two = asyncio.Event()

    async def handler(delivery):
        held.append(delivery)
        if len(held) == 2:
            got_two.set()

    subscription = await broker.consume("svc.work", 2, handler)
    await got_two.wait()
    await asyncio.sleep(0)
    assert len(held) == 2  # prefetch holds the rest back until an ack
    await held[0].ack()
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(held) == 3
    await subscription.cancel()


async def test_reject_without_requeue_parks_at_once_and_double_settle_is_refused():
    broker = InProcessBroker()
    await broker.connect()
    await broker.declare_work_queue("svc.work", ["x.#"], 5)
    await broker.publish(message("x.y.east"))
    delivery = await broker.get("svc.work")
    await delivery.reject(requeue=False)
    assert await broker.queue_depth("svc.work.dlq") == 1
    with pytest.raises(RuntimeError):
        await delivery.ack()


async def test_closed_broker_refuses_to_publish():
    broker = InProcessBroker()
    with pytest.raises(PublishFailed):
        await broker.publish(message("x.y.east"))
