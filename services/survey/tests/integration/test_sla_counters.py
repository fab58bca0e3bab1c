"""sla-timer's verdicts reach the engineer assessment's counters through real windows on PostgreSQL and
RabbitMQ: each window summed per case and written with one statement, a withdrawn breach taking one back."""

from __future__ import annotations

from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.testing.backlog import Backlog
from sqlalchemy import select
from survey.adapters.tables import case_facts
from survey.bootstrap import definition
from survey.entrypoints.consumers import subscriptions
from survey.handlers import SurveyHandlers
from survey.settings import SurveySettings

CASES = 60


def verdicts(uow: UnitOfWork, n: int) -> None:
    """Case n: n % 4 breaches, one withdrawn when there were any, and a met clock for the even ones."""
    case_id = f"c-{n}"
    for _ in range(n % 4):
        uow.emit("aftercare.sla.breached.v1", subject=case_id, region="east",
                 data=sla_events.SlaBreached(case_id=case_id))
    if n % 4:
        uow.emit("aftercare.sla.breach_withdrawn.v1", subject=case_id, region="east",
                 data=sla_events.SlaBreachWithdrawn(case_id=case_id))
    if n % 2 == 0:
        uow.emit("aftercare.sla.met.v1", subject=case_id, region="east", data=sla_events.SlaMet(case_id=case_id))


def expected(n: int) -> tuple[int, int]:
    return max(n % 4 - 1, 0), int(n % 2 == 0)


async def test_verdicts_are_counted_once_each_through_windows(database_url: str, amqp_url: str) -> None:
    def sla_subscription(database):  # type: ignore[no-untyped-def]
        return [s for s in subscriptions(SurveyHandlers(database, SurveySettings())) if s.queue == "survey.sla"]

    backlog = await Backlog.open(definition, database_url, amqp_url, sla_subscription)
    events = sum((n % 4) + (1 if n % 4 else 0) + (n % 2 == 0) for n in range(CASES))
    try:
        await backlog.publish(verdicts, CASES)
        await backlog.consume(events)
        async with backlog.database.engine.connect() as connection:
            counters = {row.case_id: (row.sla_breaches, row.sla_met)
                        for row in await connection.execute(select(case_facts))}
    finally:
        await backlog.close()
    assert counters == {f"c-{n}": expected(n) for n in range(CASES)}
