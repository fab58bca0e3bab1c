"""Publishing a batch in one write (bus/amqp_batch.py) on the real RabbitMQ: order, confirms, returns,
bodies larger than a frame, and a channel the broker closes. It reaches into aiormq's bookkeeping, so these
also catch an upgrade that moves it."""

import asyncio
import uuid

import aio_pika
import pytest
from aftercare_platform.bus.amqp_batch import publish_batch
from aftercare_platform.bus.ports import OutgoingMessage


@pytest.fixture
async def channel(amqp_url):
    connection = await aio_pika.connect(amqp_url)
    opened = await connection.channel(publisher_confirms=True, on_return_raises=True)
    yield opened
    await connection.close()


def message(n: int, routing_key: str, body: bytes | None = None) -> OutgoingMessage:
    return OutgoingMessage(body=body if body is not None else f'{{"n": {n}}}'.encode(), message_id=f"m-{n}",
                           routing_key=routing_key, headers={"traceparent": f"trace-{n}"})


async def received(queue: aio_pika.abc.AbstractQueue, count: int) -> list[aio_pika.abc.AbstractIncomingMessage]:
    got: list[aio_pika.abc.AbstractIncomingMessage] = []
    async with asyncio.timeout(30):
        while len(got) < count:
            one = await queue.get(no_ack=True, fail=False)
            if one is None:
                await asyncio.sleep(0.05)
            else:
                got.append(one)
    return got


async def test_a_batch_is_confirmed_and_arrives_in_order_with_its_ids_headers_and_large_bodies(channel):
    name = f"batch-{uuid.uuid4().hex[:8]}"
    exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.DIRECT, auto_delete=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="to-queue")
    large = bytes(range(256)) * 2000  # 512 KB: several body frames
    batch = [message(n, "to-queue", large if n == 7 else None) for n in range(300)]

    outcomes = await publish_batch(await channel.get_underlay_channel(), name, batch, 10)

    assert outcomes == [None] * 300
    got = await received(queue, 300)
    assert [m.message_id for m in got] == [f"m-{n}" for n in range(300)]
    assert got[7].body == large
    assert got[8].body == b'{"n": 8}'
    assert got[3].headers["traceparent"] == "trace-3"
    assert got[3].delivery_mode == aio_pika.DeliveryMode.PERSISTENT


async def test_batches_one_after_another_are_all_confirmed_and_leave_no_confirmation_pending(channel):
    name = f"batch-{uuid.uuid4().hex[:8]}"
    exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.DIRECT, auto_delete=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="to-queue")
    underlay = await channel.get_underlay_channel()

    outcomes = [await publish_batch(underlay, name, [message(1000 * b + n, "to-queue") for n in range(500)], 10)
                for b in range(4)]

    assert outcomes == [[None] * 500] * 4
    # the broker's `multiple` confirms settled every tag they covered: nothing waits in aiormq's bookkeeping
    assert len(underlay.confirmations) == 0
    assert len(await received(queue, 2000)) == 2000


async def test_an_unroutable_message_fails_alone_and_leaves_no_bookkeeping_behind(channel):
    name = f"batch-{uuid.uuid4().hex[:8]}"
    exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.DIRECT, auto_delete=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="to-queue")
    batch = [message(n, "nowhere" if n == 2 else "to-queue") for n in range(5)]
    underlay = await channel.get_underlay_channel()

    outcomes = await publish_batch(underlay, name, batch, 10)

    assert [o is None for o in outcomes] == [True, True, False, True, True]
    assert "broker refused m-2" in str(outcomes[2])
    assert [m.message_id for m in await received(queue, 4)] == ["m-0", "m-1", "m-3", "m-4"]
    assert underlay.message_id_delivery_tag == {}
    # the channel goes on numbering after the batch: a later publish is confirmed too
    assert await publish_batch(underlay, name, [message(9, "to-queue")], 10) == [None]


async def test_a_channel_the_broker_closes_fails_every_message_without_raising(channel):
    underlay = await channel.get_underlay_channel()
    missing = f"no-such-exchange-{uuid.uuid4().hex[:8]}"

    # settled when the channel closes, long before the minute the confirms are given
    async with asyncio.timeout(20):
        outcomes = await publish_batch(underlay, missing, [message(n, "x") for n in range(3)], 60)

    assert all(o is not None for o in outcomes)
    assert all("m-" in str(o) and "channel closed" in str(o) for o in outcomes)
    # and a closed channel is refused at once
    assert all(o is not None for o in await publish_batch(underlay, missing, [message(5, "x")], 10))
