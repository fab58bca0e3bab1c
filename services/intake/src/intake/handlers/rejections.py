"""Recording what did not become a case or a note: a row, and `aftercare.intake.rejected.v1`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftercare.intake.v1 import events_pb2, intake_pb2
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import InvalidArgument, PermissionDenied
from aftercare_platform.paging import PageTokens
from aftercare_platform.paging import page_size as _page_size
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import and_, or_, select

from intake.adapters.proto_mapping import CHANNELS
from intake.adapters.tables import rejections
from intake.domain.vocabulary import Channel

REJECTED = "aftercare.intake.rejected.v1"


@dataclass(frozen=True)
class Rejection:
    channel: Channel
    reason: str
    detail: str
    received_at: datetime
    field: str | None = None
    sender: str | None = None
    channel_message_id: str | None = None


def channel_number(channel: Channel) -> intake_pb2.IntakeChannel.ValueType:
    return CHANNELS.number(channel)  # type: ignore[return-value]


async def record_in(uow: UnitOfWork, rejection: Rejection, region: str) -> str:
    rejection_id = str(uuid.uuid4())
    await uow.connection.execute(rejections.insert().values(
        rejection_id=rejection_id, channel=rejection.channel.value, reason=rejection.reason[:64],
        detail=rejection.detail, field=rejection.field, sender=(rejection.sender or "")[:300] or None,
        channel_message_id=(rejection.channel_message_id or "")[:300] or None, received_at=rejection.received_at))
    uow.emit(REJECTED, subject=rejection_id, region=region,
             data=events_pb2.IntakeRejected(**message_fields(rejection_id, rejection)))
    return rejection_id


def message_fields(rejection_id: str, rejection: Rejection) -> dict[str, Any]:
    """The fields of the event `IntakeRejected` and of the API's `Rejection` (the same, by design)."""
    received = Timestamp()
    received.FromDatetime(rejection.received_at)
    return {"rejection_id": rejection_id, "channel": channel_number(rejection.channel), "reason": rejection.reason,
            "detail": rejection.detail, "field": rejection.field or "", "sender": rejection.sender or "",
            "channel_message_id": rejection.channel_message_id or "", "received_at": received}


async def record(database: Database, rejection: Rejection, region: str) -> str:
    async with database.unit_of_work() as uow:
        return await record_in(uow, rejection, region)


@dataclass(frozen=True)
class RecordedRejection:
    rejection_id: str
    rejection: Rejection


async def list_rejections(database: Database, principal: Principal, tokens: PageTokens, *, channel: Channel | None,
                          reason: str, page_size: int, page_token: str) -> tuple[list[RecordedRejection], str]:
    """Newest first, `page_size` at a time; staff only (senders' addresses are personal data). Page tokens
    are the platform's signed ones, bound to the listing's filters."""
    if not principal.is_staff:
        raise PermissionDenied("only staff may list what intake rejected")
    listing = {"t": "rejections", "c": channel.value if channel else "", "r": reason}
    size, after = _page_size(page_size), _after(tokens, listing, page_token)
    query = select(rejections)
    if channel is not None:
        query = query.where(rejections.c.channel == channel.value)
    if reason:
        query = query.where(rejections.c.reason == reason)
    if after is not None:
        at, last_id = after
        query = query.where(or_(rejections.c.received_at < at,
                                and_(rejections.c.received_at == at, rejections.c.rejection_id < last_id)))
    query = query.order_by(rejections.c.received_at.desc(), rejections.c.rejection_id.desc()).limit(size + 1)
    async with database.reading() as connection:
        rows = (await connection.execute(query)).mappings().all()
    found = [RecordedRejection(row["rejection_id"], Rejection(
        Channel(row["channel"]), row["reason"], row["detail"], row["received_at"], field=row["field"],
        sender=row["sender"], channel_message_id=row["channel_message_id"])) for row in rows[:size]]
    token = ""
    if len(rows) > size:
        last = found[-1]
        token = tokens.issue({**listing, "at": last.rejection.received_at.isoformat(), "id": last.rejection_id})
    return found, token


def _after(tokens: PageTokens, listing: dict[str, str], token: str) -> tuple[datetime, str] | None:
    """The (received_at, rejection_id) a page token continues after; one of another listing is refused."""
    if not token:
        return None
    body = tokens.read(token)
    if any(body.get(key) != value for key, value in listing.items()) or not isinstance(body.get("id"), str):
        raise InvalidArgument.for_field("page.page_token", "was issued for another listing; start again")
    try:
        return datetime.fromisoformat(str(body.get("at"))), str(body["id"])
    except ValueError:
        raise InvalidArgument.for_field("page.page_token", "is not a valid page token") from None
