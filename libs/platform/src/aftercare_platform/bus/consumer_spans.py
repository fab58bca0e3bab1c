"""The consumer's span per event: continues the producer's trace, named by the messaging conventions."""

from __future__ import annotations

from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.bus.ports import Delivery

_tracer = trace.get_tracer("aftercare.bus")


def event_span(queue: str, event: CloudEvent, delivery: Delivery) -> Any:
    """A CONSUMER span continuing the producer's trace (from the message headers)."""
    carrier = {k: str(v) for k, v in delivery.headers.items() if isinstance(v, str | bytes)}
    return _tracer.start_as_current_span(
        f"process {queue}",  # the messaging conventions' "<operation> <destination>"
        context=propagate.extract(carrier),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.destination.name": queue,
            "messaging.rabbitmq.destination.routing_key": delivery.routing_key,
            "messaging.operation.name": "process",
            "messaging.operation.type": "process",
            "messaging.message.id": event.id,
            "cloudevents.event_id": event.id,
            "cloudevents.event_type": event.type,
            "cloudevents.event_subject": event.subject,
        },
    )
