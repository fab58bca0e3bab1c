"""A trace started at a gRPC call continues through the outbox and the broker into the consumer's span."""

import asyncio
import json

import grpc
import pytest
from aftercare_platform.auth.tokens import Authenticator, mint_token
from aftercare_platform.bus.consumer import EventConsumer, EventSubscription
from aftercare_platform.outbox.relay import OutboxRelay
from aftercare_platform.servers.grpc import build_grpc_server
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.instrumentation import instrument_database
from aftercare_platform.telemetry.setup import setup_telemetry
from aftercare_platform.testing.harness import open_broker, open_database
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry

from .conftest import eventually

SETTINGS = ServiceSettings(service_name="trace-test")
SERVICE = "aftercare.tracetest.v1.TraceService"


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        setup_telemetry(SETTINGS, registry=CollectorRegistry(), set_global=True)
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_grpc_call_trace_reaches_the_consumer_span(database_url, amqp_url, spans):
    db, _ = await open_database(database_url, "bus_trace")
    instrument_database(db.engine, None)  # as every service's database is
    broker = await open_broker(amqp_url)
    seen_trace_ids: list[int] = []

    async def handler(event, uow):
        seen_trace_ids.append(trace.get_current_span().get_span_context().trace_id)

    consumer = EventConsumer(broker, db, EventSubscription("tracetest.events", ["tracetest.#"], handler),
                             prefetch=5, delivery_limit=5, attempts=2)
    await consumer.start()

    async def open_thing(request, context):
        async with db.unit_of_work() as uow:
            uow.emit("aftercare.tracetest.opened.v1", subject=request["id"], data=request, region="east")
        return {"trace_id": trace.get_current_span().get_span_context().trace_id}

    def register(server):
        handler_ = grpc.unary_unary_rpc_method_handler(
            open_thing, request_deserializer=json.loads, response_serializer=lambda r: json.dumps(r).encode())
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Open": handler_}),))

    telemetry = setup_telemetry(SETTINGS, registry=CollectorRegistry(), set_global=False)
    server = build_grpc_server(SETTINGS, servicers=[register], service_names=[SERVICE],
                               authenticator=Authenticator(SETTINGS), telemetry=None, host="127.0.0.1", port=0)
    await server.start()
    token = mint_token(SETTINGS, "agent-1", "agent", regions=["east"])
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = channel.unary_unary(f"/{SERVICE}/Open", request_serializer=lambda r: json.dumps(r).encode(),
                                   response_deserializer=json.loads)
        tracer = trace.get_tracer("test-client")
        with tracer.start_as_current_span("partner call", kind=SpanKind.CLIENT) as client_span:
            from opentelemetry.propagate import inject
            metadata: dict[str, str] = {}
            inject(metadata)
            reply = await call({"id": "thing-1"}, metadata=[("authorization", f"Bearer {token}"),
                                                          *metadata.items()])
            started_trace = client_span.get_span_context().trace_id
    assert reply["trace_id"] == started_trace  # the server continued the caller's trace
    await OutboxRelay(db, broker).drain_once()
    await eventually(lambda: asyncio.sleep(0, result=bool(seen_trace_ids)), what="the consumer ran")
    assert seen_trace_ids == [started_trace]

    def consumer_span_finished() -> bool:
        # the consumer span ends after the commit and the ack, a moment after the handler ran
        return any(s.kind == SpanKind.CONSUMER and s.context.trace_id == started_trace
                   for s in spans.get_finished_spans())

    await eventually(lambda: asyncio.sleep(0, result=consumer_span_finished()), within=10,
                     what="a finished consumer span in the caller's trace")
    in_trace = [s for s in spans.get_finished_spans() if s.context.trace_id == started_trace]
    # the messaging conventions: "<operation> <destination>", the operation's type, the message id
    published = next(s for s in in_trace if s.kind == SpanKind.PRODUCER)
    assert published.name == "publish aftercare.events"
    assert published.attributes["messaging.operation.type"] == "send"
    assert published.attributes["messaging.rabbitmq.destination.routing_key"] == "tracetest.opened.east"
    processed = next(s for s in in_trace if s.kind == SpanKind.CONSUMER)
    assert processed.name == "process tracetest.events"
    assert processed.attributes["messaging.operation.type"] == "process"
    assert processed.attributes["messaging.message.id"] == published.attributes["messaging.message.id"]
    # the database: a CLIENT span per statement, the handler's and the outbox write's among them
    statements = [s for s in in_trace if s.kind == SpanKind.CLIENT and s.attributes.get("db.system") == "postgresql"]
    assert any("INSERT INTO bus_trace.outbox" in str(s.attributes.get("db.statement")) for s in statements)
    assert any("inbox" in str(s.attributes.get("db.statement")) for s in statements)
    await server.stop(0)
    await consumer.stop()
    telemetry.shutdown()
    await broker.close()
    await db.close()


async def test_a_window_handled_at_once_has_one_span_linking_every_events_trace(database_url, amqp_url, spans):
    db, _ = await open_database(database_url, "bus_trace_window")
    broker = await open_broker(amqp_url)
    queue = "tracetest.windows"
    handled_in: list[tuple[int, int]] = []  # (the span's id, the window's size)

    async def window_handler(events, uow):
        handled_in.append((trace.get_current_span().get_span_context().span_id, len(events)))

    await broker.declare_work_queue(queue, ["tracewindow.#"], 5)
    tracer = trace.get_tracer("test-producer")
    traces: dict[str, int] = {}
    for n in range(40):  # each event in a trace of its own, all queued before the consumer starts
        with tracer.start_as_current_span(f"request {n}") as request:
            async with db.unit_of_work() as uow:
                event = uow.emit("aftercare.tracewindow.opened.v1", subject=f"t{n}", data={}, region="east")
            traces[event.id] = request.get_span_context().trace_id
    await OutboxRelay(db, broker).drain_once()
    consumer = EventConsumer(broker, db, EventSubscription(queue, ["tracewindow.#"], window_handler=window_handler),
                             prefetch=40, delivery_limit=5, attempts=2)
    await consumer.start()
    await eventually(lambda: asyncio.sleep(0, result=sum(size for _, size in handled_in) == 40),
                     what="the forty events handled")
    await consumer.stop()
    windows = {span_id: size for span_id, size in handled_in if size > 1}
    assert windows, handled_in
    finished = {s.context.span_id: s for s in spans.get_finished_spans() if s.context.span_id in windows}
    assert set(finished) == set(windows)
    linked: set[int] = set()
    for span_id, size in windows.items():
        span = finished[span_id]
        assert span.kind == SpanKind.CONSUMER and span.name == f"process {queue}"
        assert span.attributes["messaging.batch.message_count"] == size
        assert len(span.links) == size  # one link per event, to the trace that produced it
        linked |= {link.context.trace_id for link in span.links}
        assert {traces[str(link.attributes["messaging.message.id"])] for link in span.links} == {
            link.context.trace_id for link in span.links}
    assert linked <= set(traces.values())
    await broker.close()
    await db.close()
