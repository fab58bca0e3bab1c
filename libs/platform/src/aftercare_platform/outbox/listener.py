"""Wakes the relay when a transaction commits outbox rows (PostgreSQL LISTEN; db/listen.py does the work)."""

from __future__ import annotations

from collections.abc import Callable

from aftercare_platform.db.listen import ChannelListener, asyncpg_dsn

__all__ = ["PgListener", "asyncpg_dsn"]


class PgListener(ChannelListener):
    """Calls `wake` on every notification (but those whose payload is `own`: the relay's own process, which
    woke it already) and after every (re)connection: rows committed while nobody listened are found by
    that wake-up."""

    def __init__(self, sqlalchemy_url: str, channel: str, wake: Callable[[], None], *,
                 own: str | None = None) -> None:
        def on_payload(payload: str) -> None:
            if own is None or payload != own:
                wake()

        super().__init__(asyncpg_dsn(sqlalchemy_url), channel, on_payload, on_connected=wake)
