"""Telemetry: trace context survives a trip through headers, logs carry it, metrics reach Prometheus."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import (
    JsonFormatter,
    Telemetry,
    current_trace_headers,
    current_trace_id,
    extract_context,
    inject_headers,
    setup_telemetry,
    start_consumer_span,
)
from opentelemetry import baggage, trace
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry, generate_latest

SETTINGS = ServiceSettings(service_name="cases", region="west")


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def telemetry(spans: InMemorySpanExporter) -> Iterator[Telemetry]:
    configured = setup_telemetry(
        SETTINGS, span_processors=[SimpleSpanProcessor(spans)], registry=CollectorRegistry(), set_global=False
    )
    yield configured
    configured.shutdown()


def test_the_resource_names_the_service_and_region(telemetry: Telemetry) -> None:
    assert telemetry.resource.attributes["service.name"] == "cases"
    assert telemetry.resource.attributes["cloud.region"] == "west"


def test_a_consumer_span_continues_the_producers_trace(
    telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    tracer = telemetry.tracer("test")
    with tracer.start_as_current_span("CreateCase") as producer:
        headers = current_trace_headers()

    with start_consumer_span("notify handle case.created", headers, {"messaging.system": "rabbitmq"},
                             tracer=tracer) as consumer:
        assert current_trace_id() == format(producer.get_span_context().trace_id, "032x")

    finished = {span.name: span for span in spans.get_finished_spans()}
    consumed = finished["notify handle case.created"]
    assert consumed.kind is SpanKind.CONSUMER
    assert consumed.context.trace_id == producer.get_span_context().trace_id
    assert consumed.parent is not None and consumed.parent.span_id == producer.get_span_context().span_id
    assert consumed.attributes is not None and consumed.attributes["messaging.system"] == "rabbitmq"
    assert consumer.get_span_context().span_id != producer.get_span_context().span_id


def test_headers_arriving_as_bytes_are_understood(telemetry: Telemetry) -> None:
    with telemetry.tracer("test").start_as_current_span("publish") as producer:
        headers = {key: value.encode() for key, value in current_trace_headers().items()}

    extracted = trace.get_current_span(extract_context(headers)).get_span_context()
    assert extracted.trace_id == producer.get_span_context().trace_id


def test_baggage_travels_with_the_trace(telemetry: Telemetry) -> None:
    token = otel_context.attach(baggage.set_baggage("aftercare.region", "west"))
    try:
        with telemetry.tracer("test").start_as_current_span("publish"):
            carrier = inject_headers({"x-other": "kept"})
    finally:
        otel_context.detach(token)

    assert carrier["x-other"] == "kept" and "traceparent" in carrier
    assert baggage.get_baggage("aftercare.region", extract_context(carrier)) == "west"


def test_no_trace_means_no_headers() -> None:
    assert "traceparent" not in current_trace_headers()
    assert current_trace_id() is None


def test_metrics_recorded_through_opentelemetry_are_exposed_to_prometheus(telemetry: Telemetry) -> None:
    telemetry.meter("test").create_counter("aftercare_test_widgets").add(3, {"kind": "blue"})

    exposition = generate_latest(telemetry.registry).decode()

    assert 'aftercare_test_widgets_total{kind="blue"' in exposition


def test_a_json_log_line_carries_service_trace_and_extra_fields(telemetry: Telemetry) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("cases", "west"))
    logger = logging.getLogger("aftercare.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with telemetry.tracer("test").start_as_current_span("work") as span:
            logger.warning("case %s escalated", "EA-1", extra={"case_id": "EA-1", "tier": 2})
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                logger.exception("handler failed")
    finally:
        logger.removeHandler(handler)

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "case EA-1 escalated"
    assert first["level"] == "WARNING" and first["logger"] == "aftercare.test.json"
    assert first["service"] == "cases" and first["region"] == "west"
    assert first["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert first["span_id"] == format(span.get_span_context().span_id, "016x")
    assert first["case_id"] == "EA-1" and first["tier"] == 2
    assert first["timestamp"].endswith("+00:00")
    assert "RuntimeError: boom" in second["exception"]


async def test_an_engine_instrumented_twice_still_writes_one_span_per_statement(tmp_path) -> None:
    from aftercare_platform.db.engine import create_engine
    from aftercare_platform.telemetry.instrumentation import instrument_database
    from sqlalchemy import text

    exporter = InMemorySpanExporter()
    telemetry = setup_telemetry(SETTINGS, span_processors=[SimpleSpanProcessor(exporter)],
                                registry=CollectorRegistry(), set_global=False)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'spans.sqlite3'}", "spans")
    try:
        first = instrument_database(engine, telemetry)
        assert instrument_database(engine, telemetry) is first
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 42"))
    finally:
        await engine.dispose()
        telemetry.shutdown()
    statements = [s for s in exporter.get_finished_spans() if (s.attributes or {}).get("db.statement") == "SELECT 42"]
    assert len(statements) == 1
    assert statements[0].kind == SpanKind.CLIENT and statements[0].attributes["db.system"] == "sqlite"


async def test_statements_get_spans_only_once_something_exports_them(tmp_path) -> None:
    from aftercare_platform.db.engine import create_engine
    from aftercare_platform.telemetry.instrumentation import instrument_database
    from sqlalchemy import text

    telemetry = setup_telemetry(SETTINGS, registry=CollectorRegistry(), set_global=False)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'quiet.sqlite3'}", "quiet")
    exporter = InMemorySpanExporter()
    try:
        instrument_database(engine, telemetry)
        async with engine.connect() as connection:
            before = await connection.execute(text("SELECT 1"))
            assert not hasattr(before.context, "_otel_span")  # no span was even started
            telemetry.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
            await connection.execute(text("SELECT 2"))
    finally:
        await engine.dispose()
        telemetry.shutdown()
    statements = [(s.attributes or {}).get("db.statement") for s in exporter.get_finished_spans()]
    assert "SELECT 2" in statements and "SELECT 1" not in statements


async def test_an_http_request_is_one_server_span(telemetry: Telemetry, spans: InMemorySpanExporter) -> None:
    import httpx
    from aftercare_platform.telemetry.instrumentation import instrument_fastapi
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/v1/things/{thing}")
    async def thing(thing: str, body: dict[str, str]) -> dict[str, str]:
        return {"thing": thing, **body}

    instrument_fastapi(app, telemetry)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        reply = await client.post("/v1/things/a", json={"colour": "red"})
    assert reply.json() == {"thing": "a", "colour": "red"}
    finished = spans.get_finished_spans()
    assert [(s.kind, s.name) for s in finished] == [(SpanKind.SERVER, "POST /v1/things/{thing}")]
