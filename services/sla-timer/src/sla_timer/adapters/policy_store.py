"""Calendars and policies in the database, and each replica's copy of the policy set.

The shipped defaults are written at first start. Every change bumps `policy_set.version`; a
replica compares it (one tiny query) before using its copy and reloads when it moved."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import yaml
from aftercare_platform.calendar import Calendar
from aftercare_platform.db.statements import transaction_lock
from aftercare_platform.db.unit_of_work import Database
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sla_timer.adapters.tables import calendars, policies, policy_set
from sla_timer.domain.defaults import load_default_policy_set
from sla_timer.domain.policy import Policy, PolicySet
from sla_timer.domain.policy_yaml import calendar_to_dict, load_policy_set, policy_to_dict

log = logging.getLogger(__name__)
SET_ROW = 1


def _json_safe(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def calendar_document(calendar: Calendar) -> dict[str, Any]:
    return _json_safe(calendar_to_dict(calendar))  # type: ignore[no-any-return]


def policy_document(policy: Policy) -> dict[str, Any]:
    return _json_safe(policy_to_dict(policy))  # type: ignore[no-any-return]


def policy_set_from_documents(
    calendar_docs: Mapping[str, Any], policy_docs: Mapping[str, Any], default_policy: str, *, source: str
) -> PolicySet:
    """Rebuild (and validate) a set from stored documents; the YAML loader is the one parser of them."""
    text = yaml.safe_dump(
        {"default_policy": default_policy, "calendars": dict(calendar_docs), "policies": dict(policy_docs)},
        allow_unicode=True,
    )
    return load_policy_set(text, source=source)


class PolicyStore:
    def __init__(self) -> None:
        self._version = -1
        self._set: PolicySet | None = None

    async def seed_defaults(self, database: Database) -> bool:
        """Write the shipped policy set if the database has none yet; True when it did."""
        async with database.unit_of_work() as uow:
            connection = uow.connection
            # replicas starting together seed once
            await transaction_lock(connection, "sla_timer.seed")
            if (await connection.execute(select(policy_set.c.version))).first() is not None:
                return False
            defaults = load_default_policy_set()
            await self._write_all(connection, defaults, uow.clock.now(), version=1, source="defaults")
            log.info(
                "sla-timer: wrote the default policy set (%d calendars, %d policies)",
                len(defaults.calendars),
                len(defaults.policies),
            )
            return True

    @property
    def cached(self) -> PolicySet:
        """The last set loaded (the firing loop needs only its calendars, which running clocks name)."""
        if self._set is None:
            raise RuntimeError("the policy set is not loaded yet")
        return self._set

    async def current(self, connection: AsyncConnection) -> PolicySet:
        version = (await connection.execute(select(policy_set.c.version))).scalar_one()
        if self._set is None or version != self._version:
            self._set = await self._load(connection)
            self._version = version
        return self._set

    async def _load(self, connection: AsyncConnection) -> PolicySet:
        head = (await connection.execute(select(policy_set))).one()
        calendar_docs = {r.name: r.document for r in await connection.execute(select(calendars))}
        policy_docs = {r.name: r.document for r in await connection.execute(select(policies))}
        return policy_set_from_documents(calendar_docs, policy_docs, head.default_policy, source=head.source)

    async def _bump(self, connection: AsyncConnection, now: datetime, **changes: Any) -> None:
        await connection.execute(
            update(policy_set)
            .where(policy_set.c.id == SET_ROW)
            .values(version=policy_set.c.version + 1, updated_at=now, **changes)
        )

    async def lock(self, connection: AsyncConnection) -> PolicySet:
        """The current set, with the set's row locked so changes are made one at a time."""
        await connection.execute(select(policy_set.c.id).where(policy_set.c.id == SET_ROW).with_for_update())
        return await self.current(connection)

    async def put_calendar(self, connection: AsyncConnection, calendar: Calendar, now: datetime) -> bool:
        existed = await self._delete_row(connection, calendars, calendar.name)
        await connection.execute(
            insert(calendars).values(name=calendar.name, document=calendar_document(calendar), updated_at=now)
        )
        await self._bump(connection, now)
        return not existed

    async def put_policy(self, connection: AsyncConnection, policy: Policy, now: datetime) -> bool:
        existed = await self._delete_row(connection, policies, policy.name)
        await connection.execute(
            insert(policies).values(name=policy.name, document=policy_document(policy), updated_at=now)
        )
        await self._bump(connection, now)
        return not existed

    async def delete_calendar(self, connection: AsyncConnection, name: str, now: datetime) -> bool:
        existed = await self._delete_row(connection, calendars, name)
        await self._bump(connection, now)
        return existed

    async def delete_policy(self, connection: AsyncConnection, name: str, now: datetime) -> bool:
        existed = await self._delete_row(connection, policies, name)
        await self._bump(connection, now)
        return existed

    async def replace_all(self, connection: AsyncConnection, new_set: PolicySet, now: datetime, source: str) -> None:
        await connection.execute(delete(calendars))
        await connection.execute(delete(policies))
        await self._write_all(connection, new_set, now, version=None, source=source)

    async def _delete_row(self, connection: AsyncConnection, table: Any, name: str) -> bool:
        result = await connection.execute(delete(table).where(table.c.name == name))
        return bool(getattr(result, "rowcount", 0))

    async def _write_all(
        self, connection: AsyncConnection, new_set: PolicySet, now: datetime, *, version: int | None, source: str
    ) -> None:
        if new_set.calendars:
            await connection.execute(
                insert(calendars),
                [
                    {"name": n, "document": calendar_document(c), "updated_at": now}
                    for n, c in new_set.calendars.items()
                ],
            )
        if new_set.policies:
            await connection.execute(
                insert(policies),
                [{"name": n, "document": policy_document(p), "updated_at": now} for n, p in new_set.policies.items()],
            )
        if version is None:
            await self._bump(connection, now, default_policy=new_set.default_policy, source=source)
        else:
            await connection.execute(
                insert(policy_set).values(
                    id=SET_ROW, default_policy=new_set.default_policy, version=version, source=source, updated_at=now
                )
            )
