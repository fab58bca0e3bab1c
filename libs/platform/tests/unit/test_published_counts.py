"""`aftercare_events_published` counts by event type, region and channel, the channel in its one spelling."""

from __future__ import annotations

from typing import Any

from aftercare_platform.outbox.published_counts import METRIC, PublishedEvents, channel_label
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader


def counts(reader: InMemoryMetricReader) -> dict[tuple[str, str, str], int]:
    found: dict[tuple[str, str, str], int] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == METRIC:
                    for point in metric.data.data_points:
                        a = point.attributes
                        found[str(a["event_type"]), str(a["region"]), str(a["channel"])] = int(point.value)
    return found


def envelope(**data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "data": data}


def test_cases_opened_and_closed_are_counted_by_region_and_the_short_form_of_their_channel() -> None:
    reader = InMemoryMetricReader()
    published = PublishedEvents(MeterProvider(metric_readers=[reader]).get_meter("test"))
    published.add([
        ("aftercare.case.created.v1", "case.created.east", envelope(channel="CHANNEL_HOTLINE")),
        ("aftercare.case.created.v1", "case.created.east", '{"data": {"channel": "CHANNEL_HOTLINE"}}'),
        ("aftercare.case.created.v1", "case.created.west", envelope(channel="CHANNEL_WEB")),
        ("aftercare.case.closed.v1", "case.closed.east", envelope(channel="CHANNEL_HOTLINE")),
        ("aftercare.sla.breached.v1", "sla.breached.east", envelope(caseId="c-1")),
    ])
    assert counts(reader) == {
        ("aftercare.case.created.v1", "east", "hotline"): 2,
        ("aftercare.case.created.v1", "west", "web"): 1,
        ("aftercare.case.closed.v1", "east", "hotline"): 1,
        ("aftercare.sla.breached.v1", "east", ""): 1,
    }


def test_a_channel_label_is_one_of_few_values_whatever_the_event_says() -> None:
    assert channel_label("aftercare.case.closed.v1", envelope(channel="CHANNEL_EMAIL")) == "email"
    assert channel_label("aftercare.case.closed.v1", envelope(channel=4)) == "sms"  # a number: the JSON may say
    assert channel_label("aftercare.case.closed.v1", envelope()) == ""  # closed before the event carried it
    assert channel_label("aftercare.notification.sent.v1",
                         envelope(channel="DELIVERY_CHANNEL_SMS")) == "sms"  # each type's own vocabulary
    # a value this build does not know is one series, never the text itself
    assert channel_label("aftercare.case.created.v1", envelope(channel="CHANNEL_CARRIER_PIGEON")) == "unknown"
    assert channel_label("aftercare.case.created.v1", envelope(channel=99)) == "unknown"
    assert channel_label("aftercare.case.created.v1", envelope(channel={"nested": 1})) == ""
    # a type with no channel enum in its payload, or none registered, is never read for one
    assert channel_label("aftercare.sla.breached.v1", envelope(channel="CHANNEL_WEB")) == ""
    assert channel_label("aftercare.unheard.of.v1", envelope(channel="anything at all")) == ""
