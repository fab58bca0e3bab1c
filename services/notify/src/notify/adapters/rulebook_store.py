"""Company overrides as documents; the rule book is the built-in rules plus the company's overrides."""

from __future__ import annotations

from typing import Any

from aftercare_platform.db.statements import upsert
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.adapters.tables import company_overrides
from notify.domain.rules import CompanyOverride, ExtraRecipient, RuleBook
from notify.domain.vocabulary import Channel, Role


def override_document(o: CompanyOverride) -> dict[str, Any]:
    return {
        "enabled": o.enabled,
        "channels": None if o.channels is None else [str(c) for c in o.channels],
        "extra_roles": [str(r) for r in o.extra_roles],
        "extra_recipients": [{"name": x.name, "channel": str(x.channel), "address": x.address,
                              "language": x.language} for x in o.extra_recipients],
    }


def override_from(company_id: str, event_type: str, d: dict[str, Any]) -> CompanyOverride:
    return CompanyOverride(
        company_id, event_type, d["enabled"],
        None if d["channels"] is None else tuple(Channel(c) for c in d["channels"]),
        tuple(Role(r) for r in d["extra_roles"]),
        tuple(ExtraRecipient(x["name"], Channel(x["channel"]), x["address"], x["language"])
              for x in d["extra_recipients"]),
    )


async def overrides(connection: AsyncConnection, company_id: str | None = None) -> list[CompanyOverride]:
    query = select(company_overrides)
    if company_id is not None:
        query = query.where(company_overrides.c.company_id == company_id)
    rows = (await connection.execute(query.order_by(company_overrides.c.company_id, company_overrides.c.event_type)))
    return [override_from(r.company_id, r.event_type, r.document) for r in rows]


async def rulebook_for(connection: AsyncConnection, company_id: str) -> RuleBook:
    return RuleBook(overrides=await overrides(connection, company_id) if company_id else [])


async def save_override(connection: AsyncConnection, o: CompanyOverride) -> None:
    await connection.execute(upsert(connection, company_overrides, ["company_id", "event_type"], {
        "company_id": o.company_id, "event_type": o.event_type, "document": override_document(o)}))
