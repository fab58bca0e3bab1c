"""What a caller may read of cases: one case, pages of cases, a timeline, a live watch, a verification.
Every read is scoped to the asker: what it may not see does not exist for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aftercare_platform.db.statements import is_postgres
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument

from cases.adapters import repository
from cases.adapters.listing import TextMatch, find_cases, text_match_for
from cases.adapters.similar import similar_cases
from cases.adapters.timeline_signals import TimelineSignals
from cases.domain.actors import Actor
from cases.domain.case import Case
from cases.domain.cursor import CursorCodec
from cases.domain.queries import CaseFilter, CaseQuery, scoped_to
from cases.domain.references import CaseRef
from cases.domain.timeline import TimelineEntry, VerificationResult, verify_chain
from cases.domain.visibility import customer_sequence, sees_internal
from cases.loading import load_visible

WATCH_BATCH = 200
SIMILAR_DEFAULT, SIMILAR_MAX = 5, 20


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_page_token: str


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_page_token: str


class CaseReads:
    def __init__(
        self, database: Database, signals: TimelineSignals, cursors: CursorCodec, *, watch_poll_seconds: float = 1.0
    ) -> None:
        self._db = database
        self._signals = signals
        self._cursors = cursors
        self._poll = watch_poll_seconds
        self._text_match: TextMatch | None = None

    async def get(self, actor: Actor, ref: CaseRef) -> Case:
        async with self._db.reading() as connection:
            return (await load_visible(connection, actor, ref)).case

    async def find(self, actor: Actor, query: CaseQuery, page_token: str = "") -> CasePage:
        """ListCases (and SearchCases when `query.filter.text` is set), scoped to what `actor` may see."""
        wanted = scoped_to(query.filter.validated(), actor)
        scoped = CaseQuery(filter=wanted, sort=query.sort, page_size=query.page_size)
        after = self._cursors.decode(page_token, sort=query.sort, wanted=wanted) if page_token else None
        async with self._db.reading() as connection:
            if self._text_match is None:
                self._text_match = await text_match_for(connection)
            found, more = await find_cases(
                connection, scoped, after=after, internal_text=sees_internal(actor), match=self._text_match
            )
        token = ""
        if more and found:
            last = found[-1]
            token = self._cursors.cursor_after(query.sort.key(last), last.id, query.sort, wanted)
        return CasePage(found, token)

    async def similar(self, actor: Actor, ref: CaseRef, *, limit: int) -> list[tuple[Case, float]]:
        """The resolved and closed cases most like `ref`, within what `actor` may see (FindSimilarCases)."""
        if limit < 0 or limit > SIMILAR_MAX:
            raise InvalidArgument.for_field("limit", f"between 0 (meaning {SIMILAR_DEFAULT}) and {SIMILAR_MAX}")
        async with self._db.reading() as connection:
            case = (await load_visible(connection, actor, ref)).case
            scope = scoped_to(CaseFilter(), actor)
            return await similar_cases(connection, case, scope, limit=limit or SIMILAR_DEFAULT)

    async def timeline(self, actor: Actor, ref: CaseRef, *, after: int, page_size: int) -> TimelinePage:
        """The entries `actor` may read after position `after`; the page token is the last position.
        A customer or partner reads a numbering of its own (1, 2, 3 … over the public entries)."""
        _position("after_position", after)
        async with self._db.reading() as connection:
            stored = await load_visible(connection, actor, ref)
            if not sees_internal(actor):
                public = customer_sequence(
                    await repository.read_entries(connection, stored.case.id, public_only=True)
                )
                entries = public[after : after + page_size + 1]
            else:
                entries = await repository.read_entries(connection, stored.case.id, after=after, limit=page_size + 1)
        page = entries[:page_size]
        token = str(page[-1].position) if len(entries) > page_size else ""
        return TimelinePage(page, token)

    async def watch(self, actor: Actor, ref: CaseRef, *, after: int) -> AsyncIterator[TimelineEntry]:
        """Every entry `actor` may read after `after`, then each new one as it is appended, until the
        caller goes away or the service stops. Resume after a disconnect from the last position received."""
        _position("after_position", after)
        async with self._db.reading() as connection:
            case_id = (await load_visible(connection, actor, ref)).case.id
        public_only = not sees_internal(actor)
        watch = self._signals.watch(case_id)
        try:
            while not self._signals.closed:
                watch.clear()  # before reading: an append during the read wakes the wait below
                async with self._db.reading() as connection:
                    if public_only:  # the customer's own numbering: re-read and renumber the public entries
                        public = customer_sequence(await repository.read_entries(connection, case_id, public_only=True))
                        batch = public[after : after + WATCH_BATCH]
                    else:
                        batch = await repository.read_entries(connection, case_id, after=after, limit=WATCH_BATCH)
                for entry in batch:
                    yield entry
                    after = entry.position
                if len(batch) < WATCH_BATCH:
                    await watch.wait(self._poll)
        finally:
            watch.close()

    async def verify(self, actor: Actor, ref: CaseRef) -> VerificationResult:
        """Recompute the whole chain from the database and compare it with the head the case row keeps."""
        # one snapshot: an entry appended between reading the head and reading the entries is no gap
        engine = self._db.engine
        if is_postgres(engine):
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        async with engine.begin() as connection:
            stored = await load_visible(connection, actor, ref)
            entries = await repository.read_entries(connection, stored.case.id)
        return verify_chain(entries, case_id=stored.case.id, expected_head=stored.head.hash)


def _position(field: str, value: int) -> None:
    if value < 0:
        raise InvalidArgument.for_field(field, f"must not be negative, got {value}")


def timeline_page_start(after_position: int, page_token: str) -> int:
    """Where a timeline page starts: the page token (a position) when given, else `after_position`."""
    if not page_token:
        return after_position
    if not page_token.isdigit() or len(page_token) > 18:
        raise InvalidArgument.for_field("page.page_token", "is not a timeline page token")
    return int(page_token)
