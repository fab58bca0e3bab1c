"""The event loop a service runs on: uvloop unless AFTERCARE_EVENT_LOOP says asyncio."""

import asyncio

import pytest
import uvloop
from aftercare_platform.servers.event_loop import run_on
from aftercare_platform.settings import ServiceSettings
from pydantic import ValidationError


async def loop_kind() -> type:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop())


def test_a_service_runs_on_uvloop_by_default_and_on_asyncio_when_asked(monkeypatch):
    monkeypatch.delenv("AFTERCARE_EVENT_LOOP", raising=False)
    assert run_on(ServiceSettings().event_loop, loop_kind()) is uvloop.Loop
    monkeypatch.setenv("AFTERCARE_EVENT_LOOP", "asyncio")
    kind = run_on(ServiceSettings().event_loop, loop_kind())
    assert issubclass(kind, asyncio.AbstractEventLoop) and not issubclass(kind, uvloop.Loop)


def test_an_unknown_event_loop_is_refused_naming_the_setting(monkeypatch):
    monkeypatch.setenv("AFTERCARE_EVENT_LOOP", "tokio")
    with pytest.raises(ValidationError) as refused:
        ServiceSettings()
    assert "event_loop" in str(refused.value)
