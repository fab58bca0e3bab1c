"""The consumer's spans: one per event continuing the producer's trace, or one per window linking every event's
trace (the messaging conventions' batch processing), named by the messaging conventions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.bus.ports import Delivery

_tracer = trace.get_tracer("aftercare.bus")


def _producer_context(delivery: Delivery) -> Any:
    carrier = {k: str(v) for k, v in delivery.headers.items() if isinstance(v, str | bytes)}
    return propagate.extract(carrier)


def _destination(queue: str) -> dict[str, Any]:
    return {
        "messaging.system": "rabbitmq",
        "messaging.destination.name": queue,
        "messaging.operation.name": "process",
        "messaging.operation.type": "process",
    }


def event_span(queue: str, event: CloudEvent, delivery: Delivery) -> Any:
    """A CONSUMER span continuing the producer's trace (from the message headers)."""
    return _tracer.start_as_current_span(
        f"process {queue}",  # the messaging conventions' "<operation> <destination>"
        context=_producer_context(delivery),
        kind=SpanKind.CONSUMER,
        attributes={
            **_destination(queue),
            "messaging.rabbitmq.destination.routing_key": delivery.routing_key,
            "messaging.message.id": event.id,
            "cloudevents.event_id": event.id,
            "cloudevents.event_type": event.type,
            "cloudevents.event_subject": event.subject,
        },
    )


@contextmanager
def window_span(queue: str, taken: Sequence[tuple[CloudEvent, Delivery]]) -> Iterator[Any]:
    """One CONSUMER span for a window handled at once, linked to each event's producer span; a window of one
    event gets that event's span."""
    if len(taken) == 1:
        with event_span(queue, *taken[0]) as span:
            yield span
        return
    with _tracer.start_as_current_span(f"process {queue}", kind=SpanKind.CONSUMER, attributes={
            **_destination(queue), "messaging.batch.message_count": len(taken)}) as span:
        if span.is_recording():  # reading every event's trace context costs, and nothing records it otherwise
            for event, delivery in taken:
                producer = trace.get_current_span(_producer_context(delivery)).get_span_context()
                if producer.is_valid:
                    span.add_link(producer, {"messaging.message.id": event.id})
        yield span
