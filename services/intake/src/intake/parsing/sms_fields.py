"""`SmsRejected`, and reading the gateway's timestamp (unix seconds or millis, ISO 8601, local time)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from aftercare_platform.errors import FieldViolation, InvalidArgument
from dateutil import parser as dateparser

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class SmsRejectReason(StrEnum):
    MALFORMED = "malformed"
    MISSING_FIELD = "missing_field"
    INVALID_PHONE = "invalid_phone"
    EMPTY_TEXT = "empty_text"
    TEXT_TOO_LONG = "text_too_long"
    INVALID_REQUEST = "invalid_request"


class SmsRejected(InvalidArgument):
    """This webhook post does not become a case or a note; `reason` and `field` say why."""

    def __init__(self, reason: SmsRejectReason, field: str, detail: str) -> None:
        super().__init__(
            f"sms rejected ({reason}): {field}: {detail}",
            violations=[FieldViolation(field, detail)],
            reason=str(reason),
        )
        self.reason = reason
        self.field = field


def _from_number(value: float) -> datetime:
    seconds = value / 1000 if value > 1e11 else value  # millisecond timestamps are 13 digits
    return datetime.fromtimestamp(seconds, UTC)


def parse_sent_at(raw: str | None, local_zone: ZoneInfo, warnings: list[str]) -> datetime | None:
    """When the gateway says the SMS was sent; an unreadable time is a warning, not a lost message."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()[:64]
    try:
        try:
            moment = _from_number(float(text))
        except ValueError:
            moment = dateparser.parse(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=local_zone)
    except Exception:  # dateutil raises several types (ParserError, OverflowError, ...) on junk
        warnings.append(f"unreadable timestamp {text!r} ignored")
        return None
    if not _EARLIEST <= moment < _LATEST:
        warnings.append(f"timestamp {text!r} out of range, ignored")
        return None
    return moment
