"""Batches of repeated alarms on PostgreSQL: a schema from before them upgrades (the column, the partial index of
cases being opened), and two deliverers claiming one storm together put every alarm in exactly one note."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import upgrade
from aftercare_platform.service.assemble import open_database
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.migrations import own_tables_drift
from intake.adapters import submissions
from intake.adapters.cases_gateway import OpenedCase
from intake.bootstrap import definition
from intake.domain.routing import Outcome
from intake.handlers.delivery import CaseDeliverer
from sqlalchemy import text

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def fresh_url(servers: Servers) -> AsyncIterator[str]:
    """A database of its own: the package's shared one is at the head revision already."""
    name, url = await create_database(servers.pg_admin_url, prefix="intake_batches")
    yield url
    await drop_database(servers.pg_admin_url, name)


async def test_a_schema_from_before_note_batches_upgrades_to_them(fresh_url: str) -> None:
    engine = create_engine(fresh_url, definition.schema)
    try:
        await upgrade(engine, definition.migrations, definition.schema, "0004")
        async with engine.begin() as connection:  # 0001 made today's tables: put back what 0004 left
            await connection.execute(text("DROP INDEX intake.ix_submissions_opening"))
            await connection.execute(text("DROP INDEX intake.ix_submissions_note_batch"))
            await connection.execute(text("ALTER TABLE intake.submissions DROP COLUMN note_batch"))
            await connection.execute(text(
                "CREATE INDEX ix_submissions_asset_pending ON intake.submissions (asset_key, state)"))
        await upgrade(engine, definition.migrations, definition.schema)
        async with engine.connect() as connection:
            indexes = dict((await connection.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'intake' "
                "AND tablename = 'submissions'"))).all())
            drift = await connection.run_sync(own_tables_drift, definition.schema, definition.metadata)
        assert "ix_submissions_asset_pending" not in indexes and "ix_submissions_note_batch" in indexes
        assert "WHERE (((state)::text = 'pending'::text) AND ((outcome)::text = 'new_case'::text))" in \
            indexes["ix_submissions_opening"]
        assert drift == []
    finally:
        await engine.dispose()


class NotingCases:
    """AddNote as cases answers it: one note per request id; the texts it was sent, by request id."""

    def __init__(self) -> None:
        self.notes: dict[str, str] = {}

    async def add_note(self, request_id: str, case_number: str, text: str, **_: object) -> OpenedCase:
        await asyncio.sleep(0.002)
        self.notes.setdefault(request_id, text)
        return OpenedCase(f"id-{case_number}", case_number)


async def test_two_deliverers_claiming_one_storm_put_every_alarm_in_exactly_one_note(database_url: str) -> None:
    database = open_database(definition, definition.settings(database_url=database_url, amqp_url=""), FakeClock(NOW))
    cases = NotingCases()
    tag = uuid.uuid4().hex[:8]
    try:
        async with database.unit_of_work() as uow:
            for n in range(300):  # 300 repeats waiting for 7 cases
                await submissions.insert(uow.connection, {
                    "receipt_id": f"{tag}-{n:03d}", "channel": "alarm", "outcome": Outcome.ALARM_FOLDED.value,
                    "state": "pending", "request": {}, "plan": {
                        "region": "east", "company_id": "ACME", "contract_id": None,
                        "note_text": f"repeat {tag}-{n:03d}"},
                    "identification": {}, "target_case_number": f"EA-{tag}-{n % 7}", "target_receipt_id": None,
                    "asset_key": None, "alarm_code": "VIDEO-LOSS", "partner_id": "nms", "attempts": 0,
                    "next_attempt_at": NOW, "claimed_until": None, "last_error": None, "case_id": None,
                    "case_number": None, "received_at": NOW, "submitted_at": None, "note_batch": None})
        deliverers = [CaseDeliverer(database, cases, database.clock, region="east",  # type: ignore[arg-type]
                                    concurrency=3) for _ in range(2)]
        while sum(await asyncio.gather(*(d.deliver_due() for d in deliverers))):
            pass
        noted = Counter(line for note in cases.notes.values() for line in note.split("\n\n"))
        assert sorted(noted) == [f"repeat {tag}-{n:03d}" for n in range(300)] and set(noted.values()) == {1}
        async with database.reading() as connection:
            states = (await connection.execute(text(
                "SELECT state, count(*) FROM intake.submissions WHERE receipt_id LIKE :tag GROUP BY state"),
                {"tag": f"{tag}-%"})).all()
        assert states == [("submitted", 300)]
    finally:
        await database.close()
