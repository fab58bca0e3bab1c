import pytest
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument, NotFound
from aftercare_platform.testing.handlers import ServiceBench
from inspection.adapters.events import PINGED
from inspection.entrypoints.consumers import subscriptions
from inspection.handlers import InspectionHandlers
from inspection.reads import InspectionReads


async def test_a_ping_is_stored_and_emits_pinged_in_the_same_transaction(bench: ServiceBench, database: Database,
                                                                          clock: FakeClock) -> None:
    ping = await InspectionHandlers(database, region="east").ping(" hello ", "agent-1")
    assert await InspectionReads(database).ping(ping.id) == ping
    assert (ping.text, ping.by, ping.at) == ("hello", "agent-1", clock.now())
    [event] = await bench.events()
    assert (event.type, event.subject) == (PINGED, ping.id)
    assert event.data_as(pb.Pinged).ping_id == ping.id


async def test_a_refused_ping_stores_and_emits_nothing(bench: ServiceBench, database: Database) -> None:
    with pytest.raises(InvalidArgument):
        await InspectionHandlers(database, region="east").ping("  ", "agent-1")
    assert await bench.events() == []


async def test_an_unknown_ping_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound):
        await InspectionReads(database).ping("nope")


async def test_the_same_pinged_event_delivered_twice_is_recorded_once(bench: ServiceBench,
                                                                     database: Database) -> None:
    handlers = InspectionHandlers(database, region="east")
    await handlers.ping("hello", "agent-1")
    [event] = await bench.events()
    [subscription] = subscriptions(handlers)
    assert await bench.deliver(subscription, event)
    assert not await bench.deliver(subscription, event), "the inbox absorbs the second delivery"
    assert await InspectionReads(database).received() == 1
