from datetime import UTC, datetime

import pytest
from aftercare_platform.bus.envelope import CloudEvent, PoisonMessage, routing_key_for
from aftercare_platform.clock import FakeClock


def test_routing_key_is_aggregate_verb_region():
    assert routing_key_for("aftercare.case.created.v1", "east") == "case.created.east"
    assert routing_key_for("aftercare.sla.warning_fired.v2", "south-1") == "sla.warning_fired.south-1"


@pytest.mark.parametrize("bad", ["case.created", "aftercare.Case.created.v1", "aftercare.case.created", "x.case.y.v1"])
def test_malformed_event_types_are_refused(bad):
    with pytest.raises(ValueError):
        routing_key_for(bad, "east")


def test_round_trip_keeps_every_attribute():
    event = CloudEvent(type="aftercare.case.created.v1", source="/services/cases", subject="c-1", region="east",
                       data={"caseNumber": "EA-20261121-000042", "中文": "故障"},
                       time=datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    body = event.to_dict()
    assert body["specversion"] == "1.0" and body["time"] == "2026-11-21T08:00:00Z"
    assert CloudEvent.from_json(event.to_json()) == event


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe", b"[]", b'{"id": "x"}', b'{"specversion": "0.3"}'])
def test_anything_that_is_not_a_cloudevent_is_poison(raw):
    with pytest.raises(PoisonMessage):
        CloudEvent.from_json(raw)


async def test_fake_clock_wakes_sleepers_only_when_advanced():
    import asyncio

    clock = FakeClock()
    woke = []

    async def sleeper():
        await clock.sleep(60)
        woke.append(clock.now())

    task = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    clock.advance(59)
    await asyncio.sleep(0)
    assert woke == []
    clock.advance(1)
    await task
    assert woke == [clock.now()]
