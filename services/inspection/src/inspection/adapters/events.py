"""The events inspection emits: their types and payloads (messages of its proto file)."""

from __future__ import annotations

from aftercare.inspection.v1 import inspection_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

from inspection.domain.pings import Ping

PINGED = "aftercare.inspection_ping.pinged.v1"


def timestamp(ping: Ping) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(ping.at)
    return stamp


def pinged(ping: Ping) -> pb.Pinged:
    return pb.Pinged(ping_id=ping.id, text=ping.text, at=timestamp(ping))
