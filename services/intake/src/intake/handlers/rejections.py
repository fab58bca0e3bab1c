"""Recording what did not become a case or a note: a row, and `aftercare.intake.rejected.v1`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from aftercare.intake.v1 import events_pb2, intake_pb2
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from google.protobuf.timestamp_pb2 import Timestamp

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
    received = Timestamp()
    received.FromDatetime(rejection.received_at)
    uow.emit(REJECTED, subject=rejection_id, region=region, data=events_pb2.IntakeRejected(
        rejection_id=rejection_id, channel=channel_number(rejection.channel), reason=rejection.reason,
        detail=rejection.detail, field=rejection.field or "", sender=rejection.sender or "",
        channel_message_id=rejection.channel_message_id or "", received_at=received))
    return rejection_id


async def record(database: Database, rejection: Rejection, region: str) -> str:
    async with database.unit_of_work() as uow:
        return await record_in(uow, rejection, region)
