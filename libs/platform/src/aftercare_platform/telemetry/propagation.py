"""Carrying the trace across process boundaries: outbox rows, AMQP headers, gRPC metadata."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind
from opentelemetry.util.types import AttributeValue

_tracer = trace.get_tracer("aftercare.messaging")


def inject_headers(carrier: dict[str, Any], context: otel_context.Context | None = None) -> dict[str, Any]:
    """Write traceparent/tracestate/baggage for `context` (default: the current one) into `carrier`."""
    propagate.inject(carrier, context=context)
    return carrier


def extract_context(carrier: Mapping[str, Any] | None) -> otel_context.Context:
    """The context a producer injected; header values may arrive as bytes from AMQP."""
    return propagate.extract(_as_text(carrier or {}))


def current_trace_headers() -> dict[str, str]:
    """The current trace as plain string headers, to store with an outbox row or send on AMQP."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers


@contextmanager
def start_consumer_span(
    name: str,
    headers: Mapping[str, Any] | None,
    attributes: Mapping[str, AttributeValue] | None = None,
    *,
    tracer: trace.Tracer | None = None,
) -> Iterator[Span]:
    """A CONSUMER span continuing the producer's trace, current for the block (handler, DB, outbox)."""
    parent = extract_context(headers)
    with (tracer or _tracer).start_as_current_span(
        name, context=parent, kind=SpanKind.CONSUMER, attributes=dict(attributes or {})
    ) as span:
        yield span


def current_trace_id() -> str | None:
    """The current trace id in hex (as logs and problem bodies show it), or None outside a trace."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


def _as_text(carrier: Mapping[str, Any]) -> dict[str, str]:
    text: dict[str, str] = {}
    for key, value in carrier.items():
        if isinstance(value, bytes | bytearray):
            text[str(key).lower()] = bytes(value).decode("utf-8", "replace")
        elif isinstance(value, str):
            text[str(key).lower()] = value
    return text
