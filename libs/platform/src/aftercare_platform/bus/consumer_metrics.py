"""The consumer's metrics: events by outcome, window sizes and times, lag, database outages waited out."""

from __future__ import annotations

import time

from opentelemetry import metrics

from aftercare_platform.bus.envelope import CloudEvent

_meter = metrics.get_meter("aftercare.bus")
handled = _meter.create_counter("aftercare_events_handled", description="events handled, by queue and outcome")
handle_time = _meter.create_histogram(
    "aftercare_consumer_handle_seconds", unit="s",
    description="time to handle one window of events (claim, handlers, commit), by queue")
lag = _meter.create_histogram(
    "aftercare_consumer_lag_seconds", unit="s",
    description="event time to handled (how far behind the consumer is), by queue: one sample per window, "
                "its oldest event")
window_size = _meter.create_histogram(
    "aftercare_consumer_window_events", description="events handled together in one transaction, by queue")
outages = _meter.create_counter(
    "aftercare_consumer_outages", description="times a consumer held its messages for an unreachable database")


def count_window(queue: str, events: list[CloudEvent | None], duplicates: list[bool]) -> None:
    """One counter update per outcome for the window; the lag of its oldest new event."""
    repeats = sum(duplicates)
    if repeats:
        handled.add(repeats, {"queue": queue, "outcome": "duplicate"})
    fresh = [event.time.timestamp() for event, duplicate in zip(events, duplicates, strict=True)
             if event is not None and not duplicate]
    if fresh:
        handled.add(len(fresh), {"queue": queue, "outcome": "handled"})
        lag.record(max(0.0, time.time() - min(fresh)), {"queue": queue})


def count(queue: str, event: CloudEvent | None, duplicate: bool) -> None:
    handled.add(1, {"queue": queue, "outcome": "duplicate" if duplicate else "handled"})
    if event is not None and not duplicate:
        lag.record(max(0.0, time.time() - event.time.timestamp()), {"queue": queue})
