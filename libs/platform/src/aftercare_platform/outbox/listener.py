"""Wakes the relay when a transaction commits outbox rows (PostgreSQL LISTEN; db/listen.py does the work)."""

from __future__ import annotations

import asyncio

from aftercare_platform.db.listen import ChannelListener, asyncpg_dsn

__all__ = ["PgListener", "asyncpg_dsn"]


class PgListener(ChannelListener):
    """Sets `wake` on every notification and after every (re)connection: rows committed while nobody
    listened are found by that wake-up."""

    def __init__(self, sqlalchemy_url: str, channel: str, wake: asyncio.Event) -> None:
        super().__init__(asyncpg_dsn(sqlalchemy_url), channel, lambda _payload: wake.set(), on_connected=wake.set)
