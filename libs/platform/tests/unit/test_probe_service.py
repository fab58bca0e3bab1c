"""The kit's probe service, tier by tier as every service is tested: its domain pure, its handlers on
SQLite with a fake clock (reading the outbox), its consumer through the inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.testing.handlers import sqlite_service
from aftercare_platform.testing.probe_service.bootstrap import definition
from aftercare_platform.testing.probe_service.domain.pings import new_ping
from aftercare_platform.testing.probe_service.entrypoints.consumers import subscriptions
from aftercare_platform.testing.probe_service.handlers import PINGED, ProbeHandlers

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", None, 7])
def test_a_ping_needs_text(text: object) -> None:
    with pytest.raises(InvalidArgument) as refused:
        new_ping("p-1", text, "agent-1", NOW)
    assert refused.value.violations[0].field == "text"


async def test_a_ping_is_stored_announced_and_its_event_recorded_once(tmp_path: Path) -> None:
    async with sqlite_service(definition, tmp_path, clock=FakeClock(NOW)) as bench:
        handlers = ProbeHandlers(bench.database, region="east")
        ping = await handlers.ping("hello", "agent-1")
        [event] = await bench.events()
        assert (event.type, event.subject, event.data, ping.at) == (PINGED, ping.id, {"text": "hello"}, NOW)
        [subscription] = subscriptions(handlers)
        assert await bench.deliver(subscription, event)
        assert not await bench.deliver(subscription, event)  # the inbox drops the repeat
