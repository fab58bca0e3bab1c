"""The notification events, emitted through the outbox in the transaction that records the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.notify.v1 import events_pb2
from aftercare_platform.db.unit_of_work import UnitOfWork

from notify.adapters.proto_mapping import channel_number, timestamp

SENT, FAILED, DELIVERED = ("aftercare.notification.sent.v1", "aftercare.notification.failed.v1",
                           "aftercare.notification.delivered.v1")


def _common(row: Any, at: datetime) -> dict[str, Any]:
    return {
        "delivery_id": row.id, "event_id": row.event_id, "event_type": row.event_type, "case_id": row.case_id,
        "case_number": row.case_number, "company_id": row.company_id, "region": row.region,
        "recipient_id": row.recipient_id, "role": row.role, "channel": channel_number(row.channel),
        "provider": row.provider, "provider_message_id": row.provider_message_id, "occurred_at": timestamp(at),
    }


def emit_sent(uow: UnitOfWork, row: Any, at: datetime) -> None:
    data = events_pb2.NotificationSent(**_common(row, at), digest_of=row.digest_of)
    uow.emit(SENT, subject=row.case_id or row.recipient_id, data=data, region=row.region)


def emit_failed(uow: UnitOfWork, row: Any, at: datetime) -> None:
    data = events_pb2.NotificationFailed(**_common(row, at), error=row.last_error[:2000], attempts=row.attempts)
    uow.emit(FAILED, subject=row.case_id or row.recipient_id, data=data, region=row.region)


def emit_delivered(uow: UnitOfWork, row: Any, at: datetime) -> None:
    data = events_pb2.NotificationDelivered(**_common(row, at))
    uow.emit(DELIVERED, subject=row.case_id or row.recipient_id, data=data, region=row.region)
