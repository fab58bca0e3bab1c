"""Server-sent events: the queue page hears that its rows changed (NOTIFY from the projection, one
LISTEN per process fanned out to every open page); the case page follows the case's timeline through
WatchCase, with the viewer's own token (so a customer never hears an internal entry), and hears who else
of the staff has the case open (presence, on any console replica: presence_live)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare_platform.errors import DomainError
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from console.entrypoints.presence_live import PRESENCE_CHANGED, CaseWatchers
from console.entrypoints.views import entry_view
from console.entrypoints.web import Web, to_login

KEEPALIVE_SECONDS = 15.0
SSE_HEADERS = {"cache-control": "no-store", "x-accel-buffering": "no"}


class QueueSignal:
    """Fans one process's queue notifications out to every open queue page."""

    def __init__(self) -> None:
        self._listeners: set[asyncio.Queue[str]] = set()

    def notify(self, payload: str = "") -> None:
        for listener in list(self._listeners):
            with contextlib.suppress(asyncio.QueueFull):
                listener.put_nowait(payload)

    @contextlib.contextmanager
    def listening(self) -> Iterator[asyncio.Queue[str]]:
        listener: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._listeners.add(listener)
        try:
            yield listener
        finally:
            self._listeners.discard(listener)


def _event(name: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {name}\n{lines}\n"


def presence_event(names: list[str]) -> str:
    """The names as plain text (the page sets it as text, never as HTML)."""
    return _event("presence", ", ".join(" ".join(name.split()) for name in names))


GONE = _event("gone", "")


def router(web: Web, signal: QueueSignal, watchers: CaseWatchers) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/live/queue")
    async def live_queue(request: Request) -> Response:
        viewer = await web.viewer(request)
        if viewer is None or viewer.is_customer:
            return to_login(request)

        async def events() -> AsyncIterator[str]:
            with signal.listening() as heard:
                yield ": connected\n\n"
                while not await request.is_disconnected():
                    try:
                        await asyncio.wait_for(heard.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield ": keepalive\n\n"
                        continue
                    yield _event("queue", "changed")

        return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)

    @pages.get("/live/cases/{case_id}")
    async def live_case(request: Request, case_id: str, after: int = 0) -> Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)

        out: asyncio.Queue[str] = asyncio.Queue()

        async def pump() -> None:
            watch = cases_pb.WatchCaseRequest(case_id=case_id, after_position=max(after, 0))
            try:
                async for item in web.services.stream(web.services.cases.WatchCase, watch, viewer.token):
                    html = web.fragment("timeline_entry.html", viewer, entry=entry_view(item.entry)).body
                    out.put_nowait(_event("entry", bytes(html).decode()))
            except DomainError:
                out.put_nowait(GONE)

        async def events() -> AsyncIterator[str]:
            staff = not viewer.is_customer
            if staff:
                try:  # presence only once the viewer may see the case: nobody learns who watches another's case
                    await web.services.call(web.services.cases.GetCase, cases_pb.GetCaseRequest(case_id=case_id),
                                            viewer.token)
                except DomainError:
                    yield GONE
                    return
            task = asyncio.create_task(pump())
            try:
                async with watchers.watching(case_id, viewer, out) if staff else contextlib.nullcontext():
                    while True:
                        try:
                            item = await asyncio.wait_for(out.get(), KEEPALIVE_SECONDS)
                        except TimeoutError:
                            yield ": keepalive\n\n"
                            continue
                        if item == PRESENCE_CHANGED:
                            names = await watchers.others(case_id, viewer.principal.subject)
                            if names is not None:
                                yield presence_event(names)
                            continue
                        yield item
                        if item == GONE:
                            return
            finally:
                task.cancel()

        return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)

    return pages
