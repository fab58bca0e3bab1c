"""The CloudEvents 1.0 structured JSON envelope every Aftercare event travels in."""

from __future__ import annotations

import builtins
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from google.protobuf import json_format
from google.protobuf.message import Message

CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"
_TYPE = re.compile(r"^aftercare\.(?P<aggregate>[a-z][a-z0-9_]*)\.(?P<verb>[a-z][a-z0-9_]*)\.v(?P<version>\d+)$")
M = TypeVar("M", bound=Message)
_REGION = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


class PoisonMessage(Exception):
    """A message that can never be handled (not JSON, not a CloudEvent): parked at once."""


def routing_key_for(event_type: str, region: str) -> str:
    """`aftercare.case.created.v1` in `east` → `case.created.east`."""
    match = _TYPE.match(event_type)
    if match is None:
        raise ValueError(f"event type {event_type!r} is not aftercare.<aggregate>.<past-tense>.v<N>")
    if not _REGION.match(region):
        raise ValueError(f"region {region!r} is not a region name")
    return f"{match['aggregate']}.{match['verb']}.{region}"


def payload_to_dict(data: Message | dict[str, Any]) -> dict[str, Any]:
    """A proto payload in its canonical JSON mapping; dicts pass through."""
    if isinstance(data, Message):
        return json_format.MessageToDict(data, preserving_proto_field_name=False)
    return dict(data)


def rfc3339(instant: datetime) -> str:
    """An envelope's `time`: UTC with a "Z" (also for writers that build envelopes in SQL)."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class CloudEvent:
    type: str
    source: str
    subject: str
    region: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    specversion: str = SPEC_VERSION

    @property
    def routing_key(self) -> str:
        return routing_key_for(self.type, self.region)

    def to_dict(self) -> dict[str, Any]:
        return {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": rfc3339(self.time),
            "datacontenttype": self.datacontenttype,
            "region": self.region,
            "data": self.data,
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    def data_as(self, message_class: builtins.type[M]) -> M:
        """Parse `data` into its proto payload message (unknown fields ignored: payloads only grow)."""
        message = message_class()
        json_format.ParseDict(self.data, message, ignore_unknown_fields=True)
        return message

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> CloudEvent:
        missing = [k for k in ("specversion", "id", "source", "type", "subject", "time", "data") if k not in body]
        if missing:
            raise PoisonMessage(f"not a CloudEvent: missing {', '.join(missing)}")
        if body["specversion"] != SPEC_VERSION:
            raise PoisonMessage(f"unsupported specversion {body['specversion']!r}")
        if not isinstance(body["data"], dict):
            raise PoisonMessage("data must be a JSON object")
        try:
            time = datetime.fromisoformat(str(body["time"]).replace("Z", "+00:00"))
        except ValueError as bad:
            raise PoisonMessage(f"time is not RFC 3339: {body['time']!r}") from bad
        if time.tzinfo is None:
            raise PoisonMessage("time has no offset")
        return cls(
            type=str(body["type"]),
            source=str(body["source"]),
            subject=str(body["subject"]),
            region=str(body.get("region", "")),
            data=body["data"],
            id=str(body["id"]),
            time=time,
            datacontenttype=str(body.get("datacontenttype", "application/json")),
        )

    @classmethod
    def from_json(cls, raw: bytes) -> CloudEvent:
        try:
            body = orjson.loads(raw)
        except (ValueError, UnicodeDecodeError) as bad:
            raise PoisonMessage(f"body is not JSON: {bad}") from bad
        if not isinstance(body, dict):
            raise PoisonMessage("body is not a JSON object")
        return cls.from_dict(body)
