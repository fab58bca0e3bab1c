"""Cases opened and closed by channel and region: what the outbox holds for the relay to count
(`aftercare_events_published`), read through the kit's counter with an in-memory metric reader."""

from __future__ import annotations

from aftercare_platform.outbox.published_counts import METRIC, PublishedEvents
from cases.adapters.tables import metadata
from cases.domain import commands
from cases.domain.references import CaseRef
from cases.domain.vocabulary import Channel
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from sqlalchemy import select

from .conftest import CasesBench, new_case_report

CREATED, CLOSED = "aftercare.case.created.v1", "aftercare.case.closed.v1"


async def count_the_outbox(cases: CasesBench) -> dict[tuple[str, str, str], int]:
    """The rows as the relay reads them (type, routing key, envelope), through the counter it adds them to."""
    outbox = metadata.tables["cases.outbox"]
    async with cases.bench.database.engine.connect() as connection:
        rows = (await connection.execute(
            select(outbox.c.event_type, outbox.c.routing_key, outbox.c.envelope).order_by(outbox.c.id))).all()
    reader = InMemoryMetricReader()
    PublishedEvents(MeterProvider(metric_readers=[reader]).get_meter("cases-test")).add(
        (row.event_type, row.routing_key, row.envelope) for row in rows)
    data = reader.get_metrics_data()
    assert data is not None
    return {
        (str(p.attributes["event_type"]), str(p.attributes["region"]), str(p.attributes["channel"])): int(p.value)
        for resource in data.resource_metrics for scope in resource.scope_metrics for metric in scope.metrics
        if metric.name == METRIC for p in metric.data.data_points
        if p.attributes["event_type"] in (CREATED, CLOSED)
    }


async def close(cases: CasesBench, people, request: str, fault_report, *, by_desk: bool, **report) -> str:
    case = (await cases.handlers.create_case(people.agent, request, new_case_report(**report))).case
    ref = CaseRef(case_id=case.id)
    await cases.handlers.execute(people.agent, ref, commands.assign, assignee="eng-1")
    await cases.handlers.execute(people.engineer, ref, commands.acknowledge, message="on it")
    await cases.handlers.execute(people.engineer, ref, commands.resolve, fault_report=fault_report)
    if by_desk:
        await cases.handlers.execute(people.agent, ref, commands.close, reason="no answer in 3 days")
    else:
        await cases.handlers.execute(people.customer, ref, commands.confirm)
    return case.id


async def test_closed_cases_count_by_the_channel_they_came_in_through(cases: CasesBench, people,
                                                                      fault_report) -> None:
    await close(cases, people, "req-1", fault_report, by_desk=True, channel=Channel.WEB)
    await close(cases, people, "req-2", fault_report, by_desk=False, channel=Channel.WEB)
    await close(cases, people, "req-3", fault_report, by_desk=True)  # the hotline, as a report says by default
    await cases.handlers.create_case(people.agent, "req-4", new_case_report(channel=Channel.EMAIL, region="west"))
    assert await count_the_outbox(cases) == {
        (CREATED, "east", "web"): 2,
        (CREATED, "east", "hotline"): 1,
        (CREATED, "west", "email"): 1,
        (CLOSED, "east", "web"): 2,  # closed by the desk or confirmed by the customer alike
        (CLOSED, "east", "hotline"): 1,
    }


async def test_the_closed_event_carries_the_channel_as_the_created_event_does(cases: CasesBench, people,
                                                                              fault_report) -> None:
    await close(cases, people, "req-1", fault_report, by_desk=True, channel=Channel.MONITORING)
    events = {event.type: event for event in await cases.bench.events()}
    assert events[CLOSED].data["channel"] == events[CREATED].data["channel"] == "CHANNEL_MONITORING"
