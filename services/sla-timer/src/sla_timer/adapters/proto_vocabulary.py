"""The domain's vocabulary (priorities, clock kinds, statuses, actions, durations, instants) in proto form."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.errors import InvalidArgument
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from sla_timer.domain.clock_model import ClockStatus
from sla_timer.domain.policy import Action
from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role

_ROLES: dict[Role, int] = {r: int(sla_pb2.NotifyRole.Value(f"NOTIFY_ROLE_{r.name}")) for r in Role}
_CHANNELS: dict[Channel, int] = {c: int(sla_pb2.NotifyChannel.Value(f"NOTIFY_CHANNEL_{c.name}")) for c in Channel}
_ACTIONS: dict[ActionKind, int] = {k: int(sla_pb2.ActionKind.Value(f"ACTION_KIND_{k.name}")) for k in ActionKind}
_KINDS: dict[ClockKind, int] = {k: int(sla_pb2.ClockKind.Value(f"CLOCK_KIND_{k.name}")) for k in ClockKind}
_STATUSES: dict[ClockStatus, int] = {s: int(sla_pb2.ClockStatus.Value(f"CLOCK_STATUS_{s.name}")) for s in ClockStatus}
_PRIORITIES: dict[Priority, int] = {p: int(cases_pb2.Priority.Value(f"PRIORITY_{p.name}")) for p in Priority}


K = TypeVar("K")
V = TypeVar("V")


def _reverse(mapping: dict[K, V]) -> dict[V, K]:
    return {v: k for k, v in mapping.items()}


def priority_message(priority: Priority | None) -> int:
    return _PRIORITIES[priority] if priority is not None else int(cases_pb2.PRIORITY_UNSPECIFIED)


def kind_message(kind: ClockKind) -> int:
    return _KINDS[kind]


def status_message(status: ClockStatus) -> int:
    return _STATUSES[status]


def priority_from(value: int, field: str) -> Priority:
    found = _reverse(_PRIORITIES).get(value)
    if found is None:
        raise InvalidArgument.for_field(field, "must be PRIORITY_P1 to PRIORITY_P4")
    return found


def kind_from(value: int, field: str) -> ClockKind:
    found = _reverse(_KINDS).get(value)
    if found is None:
        raise InvalidArgument.for_field(field, "must be a clock kind (CLOCK_KIND_FIRST_RESPONSE, ...)")
    return found


def action_message(action: Action) -> sla_pb2.Action:
    return sla_pb2.Action(
        kind=_ACTIONS[action.kind],  # type: ignore[arg-type]
        roles=[_ROLES[r] for r in action.roles],  # type: ignore[misc]
        channels=[_CHANNELS[c] for c in action.channels],  # type: ignore[misc]
        tiers=action.tiers,
    )


def action_document(message: sla_pb2.Action, field: str) -> dict[str, object]:
    """An Action message as its policy YAML form (validated by the YAML loader, which names the field)."""
    kind = _reverse(_ACTIONS).get(message.kind)
    if kind is None:
        raise InvalidArgument.for_field(f"{field}.kind", "must be NOTIFY, REASSIGN or ESCALATE")
    roles, channels = _reverse(_ROLES), _reverse(_CHANNELS)
    if any(r not in roles for r in message.roles):
        raise InvalidArgument.for_field(f"{field}.roles", "names an unspecified role")
    if any(c not in channels for c in message.channels):
        raise InvalidArgument.for_field(f"{field}.channels", "names an unspecified channel")
    out: dict[str, object] = {"type": kind.value}
    if message.roles:
        out["roles"] = [roles[r].value for r in message.roles]
    if message.channels:
        out["channels"] = [channels[c].value for c in message.channels]
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
