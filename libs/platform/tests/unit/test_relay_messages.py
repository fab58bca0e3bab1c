"""The relay's message for an outbox row: the event as stored, and the trace that wrote it carried on."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import pytest
from aftercare_platform.outbox import relay
from aftercare_platform.outbox.relay import message_of
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import inject_headers, setup_telemetry
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

WRITER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _row(headers: object) -> SimpleNamespace:
    envelope = {"id": "e-1", "type": "aftercare.sla.breached.v1", "data": {"case_number": "C-1"}}
    return SimpleNamespace(headers=headers, envelope=envelope, event_id=uuid.uuid4(), routing_key="sla.east.breached",
                           event_type="aftercare.sla.breached.v1")


def test_unrecorded_the_writers_trace_context_goes_on_as_stored():
    row = _row(json.dumps({"traceparent": WRITER}))
    message = message_of(row, traced=False)
    assert message.headers == {"traceparent": WRITER}
    assert message.message_id == str(row.event_id) and message.routing_key == "sla.east.breached"
    assert json.loads(message.body)["data"] == {"case_number": "C-1"}


def test_recorded_a_producer_span_continues_the_writers_trace(monkeypatch: pytest.MonkeyPatch):
    telemetry = setup_telemetry(ServiceSettings(service_name="relay-test"), registry=CollectorRegistry(),
                                set_global=False)
    exported = InMemorySpanExporter()
    telemetry.tracer_provider.add_span_processor(SimpleSpanProcessor(exported))
    with telemetry.tracer().start_as_current_span("writer") as writer:
        stored = inject_headers({})
    # the relay's module tracer is the global provider's: this test's provider stands in (no global set)
    monkeypatch.setattr(relay, "_tracer", telemetry.tracer("aftercare.outbox"))
    message = relay.message_of(_row(stored), traced=True)
    (span,) = exported.get_finished_spans()[1:]
    assert span.name == "publish aftercare.events" and span.parent.span_id == writer.get_span_context().span_id
    assert f"{span.context.span_id:016x}" in message.headers["traceparent"]
    assert message.headers["traceparent"] != stored["traceparent"]
