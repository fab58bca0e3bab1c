"""Every statement a service runs is a database span under the request or the consumed event it serves:
one CLIENT span per statement (the SQLAlchemy instrumentation on the service's engine), never two."""

import asyncio
import json

import grpc
import pytest
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import setup_telemetry
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.probe_service.bootstrap import definition
from aftercare_platform.testing.probe_service.entrypoints.grpc_api import SERVICE
from aftercare_platform.testing.probe_service.settings import ProbeSettings
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry

from .conftest import eventually

SQLALCHEMY_SCOPE = "opentelemetry.instrumentation.sqlalchemy"


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    """One exporter for the process's global provider (the bus's and the relay's spans) and the service's
    own (its servers' and its database's), as one process exports both in production."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        setup_telemetry(ServiceSettings(service_name="db-span-test"), registry=CollectorRegistry(), set_global=True)
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def _statement(span: ReadableSpan) -> str:
    return str(span.attributes.get("db.statement", "")) if span.attributes else ""


def _under(span: ReadableSpan, ancestor: ReadableSpan, by_id: dict[int, ReadableSpan]) -> bool:
    parent = span.parent
    while parent is not None:
        if parent.span_id == ancestor.context.span_id:
            return True
        above = by_id.get(parent.span_id)
        parent = above.parent if above is not None else None
    return False


async def test_a_request_and_the_event_it_emits_have_their_statements_as_single_database_spans(
        database_url, amqp_url, spans):
    settings = ProbeSettings(database_url=database_url, amqp_url=amqp_url, http_port=free_port(),
                             grpc_port=free_port(), http_host="127.0.0.1", grpc_host="127.0.0.1", log_json=False,
                             shutdown_grace_seconds=2)
    token = mint_token(settings, "agent-1", "agent", regions=["east"])
    async with service_in_process(definition, settings, span_processors=[SimpleSpanProcessor(spans)]), \
            grpc.aio.insecure_channel(f"127.0.0.1:{settings.grpc_port}") as channel:
        call = channel.unary_unary(f"/{SERVICE}/Ping", request_serializer=lambda r: json.dumps(r).encode(),
                                   response_deserializer=json.loads)
        ping_id = (await call({"text": "traced"}, metadata=[("authorization", f"Bearer {token}")]))["id"]

        assert ping_id

        def request_span() -> ReadableSpan | None:
            # this module's only call: statements carry their parameters apart, so not the ping's id
            return next((s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER
                         and s.name == f"/{SERVICE}/Ping"), None)

        await eventually(lambda: asyncio.sleep(0, result=request_span() is not None), what="the request's span")
        server = request_span()
        assert server is not None
        trace_id = server.context.trace_id

        def consumed() -> ReadableSpan | None:
            # the consumer span ends after the window's commit and ack
            return next((s for s in spans.get_finished_spans() if s.kind == SpanKind.CONSUMER
                         and s.context.trace_id == trace_id), None)

        await eventually(lambda: asyncio.sleep(0, result=consumed() is not None), within=30,
                         what="the consumed event's span in the request's trace")
        consumer = consumed()
        assert consumer is not None

    in_trace = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in in_trace}
    database = [s for s in in_trace if s.attributes and s.attributes.get("db.system") == "postgresql"]
    # only the SQLAlchemy instrumentation writes database spans, as CLIENT spans with the statement
    assert database and {s.instrumentation_scope.name for s in database} == {SQLALCHEMY_SCOPE}
    assert all(s.kind == SpanKind.CLIENT and _statement(s) for s in database)

    served = [s for s in database if _under(s, server, by_id)]
    handled = [s for s in database if _under(s, consumer, by_id)]
    inserts_of_the_ping = [s for s in served if _statement(s).startswith("INSERT INTO probe.pings")]
    assert len(inserts_of_the_ping) == 1  # one statement, one span: no second instrumentation
    assert any(_statement(s).startswith("INSERT INTO probe.outbox") for s in served)
    records = [s for s in handled if _statement(s).startswith("INSERT INTO probe.received")]
    assert len(records) == 1
    assert any("probe.inbox" in _statement(s) for s in handled)
    # the server's address on each span, so a trace says which database answered
    assert all(s.attributes.get("net.peer.name") or s.attributes.get("server.address") for s in database)
