"""Recording what did not become a case or a note: a row, and `aftercare.intake.rejected.v1`."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftercare.intake.v1 import events_pb2, intake_pb2
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import InvalidArgument, PermissionDenied
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
    await uow.session.execute(rejections.insert().values(
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


async def list_rejections(database: Database, principal: Principal, *, channel: Channel | None, reason: str,
                          page_size: int, page_token: str) -> tuple[list[RecordedRejection], str]:
    """Newest first, `page_size` at a time; staff only (senders' addresses are personal data)."""
    if not principal.is_staff:
        raise PermissionDenied("only staff may list what intake rejected")
    size, after = _page_size(page_size), _decode_page_token(page_token)
    query = select(rejections)
    if channel is not None:
        query = query.where(rejections.c.channel == channel.value)
    if reason:
        query = query.where(rejections.c.reason == reason)
    if after is not None:
        at_text, _, last_id = after.partition("|")
        try:
            at = datetime.fromisoformat(at_text)
        except ValueError:
            raise InvalidArgument.for_field("page.page_token", "is not a token this server issued") from None
        query = query.where(or_(rejections.c.received_at < at,
                                and_(rejections.c.received_at == at, rejections.c.rejection_id < last_id)))
    query = query.order_by(rejections.c.received_at.desc(), rejections.c.rejection_id.desc()).limit(size + 1)
    async with database.engine.connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    found = [RecordedRejection(row["rejection_id"], Rejection(
        Channel(row["channel"]), row["reason"], row["detail"], row["received_at"], field=row["field"],
        sender=row["sender"], channel_message_id=row["channel_message_id"])) for row in rows[:size]]
    token = ""
    if len(rows) > size:
        last = found[-1]
        token = _encode_page_token(f"{last.rejection.received_at.isoformat()}|{last.rejection_id}")
    return found, token


def _encode_page_token(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode().rstrip("=")


def _decode_page_token(token: str) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument.for_field("page.page_token", "is not a token this server issued") from None
