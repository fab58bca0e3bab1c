"""Who else is viewing a case, across console replicas. Each replica keeps its open case streams; the
watches themselves are rows every replica shares, and a NOTIFY on commit tells every replica's streams of
that case to read them again."""
# PostgreSQL (rows + NOTIFY), not a fanout: an opening page needs the current set; heartbeats expire dead replicas

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

from aftercare_platform.clock import Clock

from console.domain.presence import others, ttl_for
from console.entrypoints.web import Viewer, Web

log = logging.getLogger(__name__)
PRESENCE_CHANGED = "presence"


class CaseWatchers:
    """This replica's case streams that show presence, and the watches it renews for them."""

    def __init__(self, web: Web) -> None:
        self._web = web
        self._streams: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)
        self._mine: dict[str, str] = {}  # watch id -> case id
        self.ttl = ttl_for(web.settings.presence_heartbeat_seconds)

    @contextlib.asynccontextmanager
    async def watching(self, case_id: str, viewer: Viewer, out: asyncio.Queue[str]) -> AsyncIterator[None]:
        watch_id = uuid.uuid4().hex
        self._streams[case_id].add(out)
        self._mine[watch_id] = case_id
        try:
            try:
                await self._web.handlers.join_case(watch_id, case_id, viewer.principal.subject,
                                                   viewer.principal.name)
            except Exception:  # presence is a courtesy: the timeline streams on without it
                log.warning("could not record a viewer of case %s", case_id, exc_info=True)
            out.put_nowait(PRESENCE_CHANGED)
            yield
        finally:
            self._streams[case_id].discard(out)
            if not self._streams[case_id]:
                del self._streams[case_id]
            self._mine.pop(watch_id, None)
            # the stream may be ending by cancellation: finish the leave anyway (else it expires with the TTL)
            leaving = asyncio.ensure_future(self._web.handlers.leave_case(watch_id, case_id))
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(leaving)

    async def others(self, case_id: str, subject: str) -> list[str] | None:
        """The others' names; None when they cannot be read just now (the next change tries again)."""
        try:
            watches = await self._web.reads.watches(case_id)
        except Exception:
            log.warning("could not read the viewers of case %s", case_id, exc_info=True)
            return None
        return others(watches, subject, self._web.clock.now(), self.ttl)

    def changed(self, case_id: str) -> None:
        """A NOTIFY from any replica: the streams of that case here read the watches again."""
        for stream in list(self._streams.get(case_id, ())):
            stream.put_nowait(PRESENCE_CHANGED)

    def all_changed(self) -> None:
        """After a (re)connection of the listener: a notification may have been lost meanwhile."""
        for case_id in list(self._streams):
            self.changed(case_id)

    def watch_ids(self) -> list[str]:
        return list(self._mine)


class PresenceHeartbeat:
    """A Component: renews this replica's watches and expires the ones no replica renews."""

    name = "presence-heartbeat"

    def __init__(self, watchers: CaseWatchers, web: Web, clock: Clock) -> None:
        self._watchers, self._web, self._clock = watchers, web, clock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _beat(self) -> None:
        while True:
            await self._clock.sleep(self._web.settings.presence_heartbeat_seconds)
            try:
                await self._web.handlers.renew_presence(self._watchers.watch_ids(), self._watchers.ttl)
            except Exception:  # the database away for a beat: the next one renews (the TTL spans three)
                log.warning("presence heartbeat failed", exc_info=True)
