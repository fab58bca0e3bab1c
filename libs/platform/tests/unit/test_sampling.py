"""Spans are recorded once something exports them; before that they still carry the trace."""

from __future__ import annotations

import pytest
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import extract_context, inject_headers, setup_telemetry
from aftercare_platform.telemetry.sampling import spans_recorded
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

SETTINGS = ServiceSettings(service_name="cases", region="west")


def _telemetry():
    return setup_telemetry(SETTINGS, registry=CollectorRegistry(), set_global=False)


def test_without_an_exporter_spans_are_not_recorded_but_keep_their_trace_ids():
    tracer = _telemetry().tracer()
    with tracer.start_as_current_span("request") as outer:
        headers = inject_headers({})
        with tracer.start_as_current_span("statement") as inner:
            pass
    assert not outer.is_recording() and not inner.is_recording()
    assert outer.get_span_context().is_valid
    assert inner.get_span_context().trace_id == outer.get_span_context().trace_id
    assert f"{outer.get_span_context().trace_id:032x}" in headers["traceparent"]  # still propagated


def test_a_dropped_span_continues_the_callers_trace():
    caller = _telemetry().tracer("caller")
    with caller.start_as_current_span("partner call") as call:
        headers = inject_headers({})
    with _telemetry().tracer().start_as_current_span("served", context=extract_context(headers)) as served:
        assert served.get_span_context().trace_id == call.get_span_context().trace_id


def test_spans_are_recorded_and_exported_from_the_first_processor_on_even_by_tracers_handed_out_before():
    telemetry, exported = _telemetry(), InMemorySpanExporter()
    tracer = telemetry.tracer()
    with tracer.start_as_current_span("before"):
        pass
    telemetry.tracer_provider.add_span_processor(SimpleSpanProcessor(exported))
    with tracer.start_as_current_span("after") as after:
        assert after.is_recording()
    assert [span.name for span in exported.get_finished_spans()] == ["after"]


def test_the_environments_sampler_decides_once_spans_are_exported(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    exported = InMemorySpanExporter()
    telemetry = setup_telemetry(SETTINGS, span_processors=[SimpleSpanProcessor(exported)],
                                registry=CollectorRegistry(), set_global=False)
    with telemetry.tracer().start_as_current_span("sampled out") as span:
        assert not span.is_recording()
    assert exported.get_finished_spans() == ()
    assert "AlwaysOff" in telemetry.tracer_provider.sampler.get_description()


def test_spans_are_counted_recorded_only_once_something_exports_them_or_the_provider_is_not_ours():
    telemetry = _telemetry()
    assert not spans_recorded(telemetry.tracer_provider)
    telemetry.tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    assert spans_recorded(telemetry.tracer_provider)
    assert spans_recorded(TracerProvider())  # somebody else's provider: its sampler decides, so assume recorded
