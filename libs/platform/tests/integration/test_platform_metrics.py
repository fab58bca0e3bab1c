"""What an operator watches, on /metrics: outbox backlog and its age, queue and parking depths, unrouted."""

from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.bus.topology import UNROUTED_QUEUE
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import setup_telemetry
from aftercare_platform.telemetry.platform_metrics import PlatformGauges
from aftercare_platform.testing.harness import open_broker, open_database
from prometheus_client import CollectorRegistry, generate_latest


async def test_gauges_show_backlog_depths_and_parked_messages(database_url, amqp_url, topic):
    db, _ = await open_database(database_url, "metrics_probe", service_name="probe")
    broker = await open_broker(amqp_url)
    queue = topic.queue("watched")
    await broker.declare_work_queue(queue, [topic.binding], 5)
    async with db.unit_of_work() as uow:
        for i in range(7):
            uow.emit(topic.event, subject=f"a{i}", data={}, region="east")
    await broker.publish(OutgoingMessage(b"{}", "w1", f"{topic.aggregate}.x.east"))
    await broker.publish(OutgoingMessage(b"{}", "w2", f"{topic.aggregate}.y.east"))
    await broker.send_to_queue(queue + ".dlq", OutgoingMessage(b"{}", "p1", f"{topic.aggregate}.x.east"))
    unrouted_before = await broker.queue_depth(UNROUTED_QUEUE)
    await broker.publish(OutgoingMessage(b"{}", "u1", f"nobody{topic.aggregate}.x.east"))

    registry = CollectorRegistry()
    telemetry = setup_telemetry(ServiceSettings(service_name="probe"), registry=registry, set_global=False)
    gauges = PlatformGauges(db, broker, [queue], meter=telemetry.meter("aftercare.platform"))
    await gauges.sample_once()

    assert gauges.value("aftercare_outbox_backlog", service="probe") == 7
    assert gauges.value("aftercare_outbox_oldest_unsent_seconds", service="probe") >= 0
    assert gauges.value("aftercare_queue_depth", queue=queue) == 2
    assert gauges.value("aftercare_dlq_depth", queue=queue) == 1
    assert gauges.value("aftercare_unrouted_depth") == unrouted_before + 1
    exposed = generate_latest(registry).decode().splitlines()
    assert any(line.startswith("aftercare_dlq_depth{") and f'queue="{queue}"' in line and line.endswith(" 1.0")
               for line in exposed)
    assert any(line.startswith("aftercare_outbox_backlog{") and 'service="probe"' in line and line.endswith(" 7.0")
               for line in exposed)
    await gauges.stop()
    telemetry.shutdown()
    await broker.close()
    await db.close()
