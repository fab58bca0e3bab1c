"""The SQL kit on embedded SQLite: dialect checks, uow.notify's in-process listeners, page sizes and tokens
(upserts run on both databases in tests/integration/test_sql_kit.py)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.listen import ChannelListener
from aftercare_platform.db.statements import dialect_of, is_postgres
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PageTokens, page_size
from aftercare_platform.testing.harness import open_database
from sqlalchemy.ext.asyncio import AsyncSession


@pytest.fixture
async def db(tmp_path: Path):
    database, _ = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'kit.sqlite3'}", "kit", clock=FakeClock())
    yield database
    await database.close()


async def test_dialect_checks_take_any_bind(db) -> None:
    assert not is_postgres(db.engine)
    async with db.unit_of_work() as uow:
        assert dialect_of(uow.connection).name == "sqlite"
        assert not is_postgres(uow.connection)
    async with AsyncSession(db.engine) as session:
        assert not is_postgres(session) and not is_postgres(await session.connection())


async def test_notifications_reach_in_process_listeners_after_commit_only(db) -> None:
    heard: list[str] = []
    connected: list[bool] = []
    listener = ChannelListener.on(db, "kit_news", heard.append, on_connected=lambda: connected.append(True))
    await listener.start()
    assert connected == [True]
    async with db.unit_of_work() as uow:
        await uow.notify("kit_news", "one")
        await uow.notify("other_channel", "not for us")
        assert heard == [], "nothing before commit"
    assert heard == ["one"]
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as uow:
            await uow.notify("kit_news", "rolled back")
            raise RuntimeError("handler failed")
    await listener.stop()
    async with db.unit_of_work() as uow:
        await uow.notify("kit_news", "after stop")
    assert heard == ["one"]


def test_page_size_rule() -> None:
    assert page_size(0) == page_size(None) == PAGE_SIZE_DEFAULT
    assert page_size(7) == 7
    assert page_size(10_000) == PAGE_SIZE_MAX
    with pytest.raises(InvalidArgument) as refused:
        page_size(-1, "page_size")
    assert refused.value.violations[0].field == "page_size"


def test_page_tokens_round_trip_and_refuse_edits() -> None:
    tokens = PageTokens("secret-one")
    token = tokens.issue({"k": "last-key", "t": "assets"})
    assert "=" not in token, "URL-safe without padding"
    assert tokens.read(token) == {"k": "last-key", "t": "assets"}
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    body["k"] = "someone-elses-key"
    edited = base64.urlsafe_b64encode(json.dumps(body, sort_keys=True).encode()).rstrip(b"=").decode()
    for bad in (edited, PageTokens("secret-two").issue({"k": "last-key"}), "garbage!", "", "A" * 5000):
        with pytest.raises(InvalidArgument) as refused:
            tokens.read(bad, field="page_token")
        assert refused.value.violations[0].field == "page_token"
    with pytest.raises(ValueError):
        PageTokens("")
