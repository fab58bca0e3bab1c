import pytest
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument, NotFound
from aftercare_platform.service.assemble import platform_tables_of
from google.protobuf import json_format
from sqlalchemy import select
from survey.adapters.events import PINGED
from survey.bootstrap import definition
from survey.entrypoints.consumers import subscriptions
from survey.handlers import SurveyHandlers
from survey.reads import SurveyReads


async def outbox(database: Database) -> list[dict]:
    table = platform_tables_of(definition).outbox
    async with database.engine.connect() as connection:
        return [row.envelope for row in await connection.execute(select(table).order_by(table.c.id))]


async def test_a_ping_is_stored_and_emits_pinged_in_the_same_transaction(database: Database,
                                                                          clock: FakeClock) -> None:
    ping = await SurveyHandlers(database, region="east").ping(" hello ", "agent-1")
    assert await SurveyReads(database).ping(ping.id) == ping
    assert (ping.text, ping.by, ping.at) == ("hello", "agent-1", clock.now())
    [event] = await outbox(database)
    assert (event["type"], event["subject"]) == (PINGED, ping.id)
    assert json_format.ParseDict(event["data"], pb.Pinged()).ping_id == ping.id


async def test_a_refused_ping_stores_and_emits_nothing(database: Database) -> None:
    with pytest.raises(InvalidArgument):
        await SurveyHandlers(database, region="east").ping("  ", "agent-1")
    assert await outbox(database) == []


async def test_an_unknown_ping_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound):
        await SurveyReads(database).ping("nope")


async def deliver(database: Database, handlers: SurveyHandlers, event: CloudEvent) -> None:
    """As the platform's consumer does: the inbox claim and the handler in one unit of work."""
    [subscription] = subscriptions(handlers)
    async with database.unit_of_work() as uow:
        if await uow.claim_inbox(subscription.queue, event):
            await subscription.handler(event, uow)


async def test_the_same_pinged_event_delivered_twice_is_recorded_once(database: Database) -> None:
    handlers = SurveyHandlers(database, region="east")
    await handlers.ping("hello", "agent-1")
    [envelope] = await outbox(database)
    event = CloudEvent.from_dict(envelope)
    await deliver(database, handlers, event)
    await deliver(database, handlers, event)
    assert await SurveyReads(database).received() == 1
