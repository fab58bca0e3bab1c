"""The domain's vocabulary (priorities, clock kinds, statuses, actions, durations, instants) in proto form."""

from __future__ import annotations

from datetime import datetime, timedelta

from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.contracts import EnumMap
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from sla_timer.domain.clock_model import ClockStatus
from sla_timer.domain.policy import Action
from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role

PRIORITIES = EnumMap(cases_pb2.Priority, Priority)
CLOCK_KINDS = EnumMap(sla_pb2.ClockKind, ClockKind)
CLOCK_STATUSES = EnumMap(sla_pb2.ClockStatus, ClockStatus)
ACTION_KINDS = EnumMap(sla_pb2.ActionKind, ActionKind)
ROLES = EnumMap(sla_pb2.NotifyRole, Role)
CHANNELS = EnumMap(sla_pb2.NotifyChannel, Channel)


def action_message(action: Action) -> sla_pb2.Action:
    return sla_pb2.Action(
        kind=ACTION_KINDS.number(action.kind),  # type: ignore[arg-type]
        roles=ROLES.numbers(action.roles),  # type: ignore[arg-type]
        channels=CHANNELS.numbers(action.channels),  # type: ignore[arg-type]
        tiers=action.tiers,
    )


def action_document(message: sla_pb2.Action, field: str) -> dict[str, object]:
    """An Action message as its policy YAML form (validated by the YAML loader, which names the field)."""
    kind = ACTION_KINDS.member(message.kind, f"{field}.kind")
    roles = ROLES.members(message.roles, f"{field}.roles")
    channels = CHANNELS.members(message.channels, f"{field}.channels")
    out: dict[str, object] = {"type": kind.value}
    if roles:
        out["roles"] = [r.value for r in roles]
    if channels:
        out["channels"] = [c.value for c in channels]
    if kind is ActionKind.ESCALATE:
        out["tiers"] = message.tiers or 1
    return out


def duration(value: timedelta) -> Duration:
    message = Duration()
    message.FromTimedelta(value)
    return message


def timestamp(value: datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(value)
    return message
