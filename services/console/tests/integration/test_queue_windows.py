"""The queue's read model from real windows on PostgreSQL and RabbitMQ: the case stream and the clock stream,
consumed side by side by the platform's consumer, each window applied with one read and one write; the
first events of a new case on both streams at once both land in its row (neither overwrites the other)."""

from __future__ import annotations

from aftercare.cases.v1 import cases_pb2, events_pb2
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.db.unit_of_work import UnitOfWork
from aftercare_platform.testing.backlog import Backlog
from console.adapters.tables import queue
from console.bootstrap import definition
from console.domain.queue import Urgency
from console.entrypoints.consumers import subscriptions
from console.handlers import ConsoleHandlers
from sqlalchemy import select

CASES = 120


def three_events(uow: UnitOfWork, n: int) -> None:
    case_id, number, p1 = f"c-{n}", f"EA-{n}", cases_pb2.PRIORITY_P1
    # the clock's breach is published first: its row may be written before the case's
    uow.emit("aftercare.sla.breached.v1", subject=case_id, region="east", data=sla_events.SlaBreached(
        case_id=case_id, case_number=number, region="east", company_id="acme", priority=p1,
        clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, cycle=1))
    uow.emit("aftercare.case.created.v1", subject=case_id, region="east", data=events_pb2.CaseCreated(
        case_id=case_id, case_number=number, region="east", company_id="acme", priority=p1,
        status=cases_pb2.CASE_STATUS_NEW, description=f"fault {n}"))
    uow.emit("aftercare.case.assigned.v1", subject=case_id, region="east", data=events_pb2.CaseAssigned(
        case_id=case_id, case_number=number, region="east", company_id="acme", priority=p1,
        assignee_id=f"eng-{n % 3}", status=cases_pb2.CASE_STATUS_ASSIGNED))


async def test_both_streams_fill_each_case_row_through_windows(database_url: str, amqp_url: str) -> None:
    backlog = await Backlog.open(definition, database_url, amqp_url,
                                 lambda database: subscriptions(ConsoleHandlers(database))[:2])
    try:
        await backlog.publish(three_events, CASES)
        # both consumers start on full queues: the streams' first events meet on new cases
        await backlog.consume(3 * CASES)
        async with backlog.database.engine.connect() as connection:
            found = {row.case_id: row for row in await connection.execute(select(queue))}
    finally:
        await backlog.close()
    assert len(found) == CASES
    for n in range(CASES):
        row = found[f"c-{n}"]
        # the case stream's head and the clock stream's breach, whichever wrote the row first
        assert (row.status, row.assignee_id, row.description) == ("assigned", f"eng-{n % 3}", f"fault {n}"), row
        assert (row.urgency, row.clocks) == (Urgency.BREACHED, {"FIRST_RESPONSE:1": {"state": "breached",
                                                                                   "deadline": None}}), row
