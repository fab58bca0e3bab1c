"""Templates in force: the newest saved version of each (event type, channel, language), else the built-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.adapters.tables import templates
from notify.default_templates import default_template
from notify.domain.vocabulary import Channel
from notify.templating import MessageTemplate, TemplateKey


async def current_template(connection: AsyncConnection, key: TemplateKey) -> MessageTemplate:
    row = (await connection.execute(
        select(templates).where(templates.c.event_type == key.event_type, templates.c.channel == str(key.channel),
                                templates.c.language == key.language)
        .order_by(templates.c.version.desc()).limit(1))).first()
    if row is None:
        return default_template(key)
    return MessageTemplate(key, row.version, row.body, row.subject, row.html)


async def save_template(
    connection: AsyncConnection, template: MessageTemplate, by: str, at: datetime
) -> MessageTemplate:
    """Stores the next version (the caller has checked it). Two admins saving at once: one gets a conflict."""
    key = template.key
    latest = (await connection.execute(
        select(func.max(templates.c.version)).where(
            templates.c.event_type == key.event_type, templates.c.channel == str(key.channel),
            templates.c.language == key.language))).scalar()
    version = int(latest or 0) + 1
    await connection.execute(templates.insert().values(
        event_type=key.event_type, channel=str(key.channel), language=key.language, version=version,
        subject=template.subject, body=template.body, html=template.html, created_at=at, created_by=by))
    return MessageTemplate(key, version, template.body, template.subject, template.html)


async def saved_keys(connection: AsyncConnection) -> list[TemplateKey]:
    rows = (await connection.execute(select(templates.c.event_type, templates.c.channel, templates.c.language)
                                  .distinct())).all()
    return [TemplateKey(r.event_type, Channel(r.channel), r.language) for r in rows]
