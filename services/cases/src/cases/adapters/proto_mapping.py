"""Domain values <-> aftercare.cases.v1 messages.

Domain payloads use the proto field names and the domain's enum values, which are the wire's short
forms (`in_progress`, `P1`, `engineer`); the platform's `EnumMap` turns them into proto numbers, so
the mapping is mechanical and driven by the message descriptors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar, cast

from aftercare.cases.v1 import cases_pb2
from aftercare.common.v1 import common_pb2
from aftercare_platform.contracts import EnumMap
from aftercare_platform.contracts.event_types import CASE_EVENTS
from aftercare_platform.contracts.event_types import EVENT_MESSAGES as MESSAGES_BY_TYPE
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from cases.domain import vocabulary as v
from cases.domain.activities import ActivityKind
from cases.domain.actors import Role
from cases.domain.case import Case
from cases.domain.decisions import DomainEvent
from cases.domain.lifecycle import Action, allowed_actions
from cases.domain.queries import SortDirection, SortField
from cases.domain.timeline import TimelineEntry, canonical_json, canonical_time

M = TypeVar("M", bound=Message)
E = TypeVar("E", bound=StrEnum)

# the payload message of each case event, by verb (the platform's registry of case events)
EVENT_MESSAGES: Mapping[str, type[Message]] = CASE_EVENTS

ENUM_MAPS: Mapping[type[StrEnum], EnumMap[Any]] = {
    m.domain: m
    for m in (
        EnumMap(cases_pb2.CaseStatus, v.Status),
        EnumMap(cases_pb2.Category, v.Category),
        EnumMap(cases_pb2.CaseKind, v.Kind),
        EnumMap(cases_pb2.Priority, v.Priority),
        EnumMap(cases_pb2.Tier, v.Tier),
        EnumMap(cases_pb2.Visibility, v.Visibility),
        EnumMap(cases_pb2.Channel, v.Channel),
        EnumMap(cases_pb2.Entitlement, v.Entitlement),
        EnumMap(cases_pb2.ComplaintAbout, v.ComplaintAbout),
        EnumMap(cases_pb2.CancelReason, v.CancelReason),
        EnumMap(cases_pb2.FaultParty, v.FaultParty),
        EnumMap(cases_pb2.ActivityKind, ActivityKind),
        EnumMap(cases_pb2.CaseAction, Action),
        EnumMap(cases_pb2.CaseSortField, SortField),
        EnumMap(cases_pb2.SortDirection, SortDirection),
        EnumMap(common_pb2.ActorRole, Role),
    )
}


def enum_map(domain: type[E]) -> EnumMap[E]:
    """The map between a domain enum of cases and its proto enum."""
    return ENUM_MAPS[domain]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fill(message: Message, payload: Mapping[str, Any]) -> None:
    """Set `message`'s fields from a domain payload, walking the descriptor (json_format.ParseDict
    did the same through JSON text, ten times slower; the list of cases is the hot path)."""
    descriptor = cast(Descriptor, message.DESCRIPTOR)
    for key, value in payload.items():
        if value is None:
            continue
        field = descriptor.fields_by_name.get(key)
        if field is None:
            raise ValueError(f"{descriptor.full_name} has no field {key!r}: the contract must hold it")
        nested, enum = field.message_type, field.enum_type
        target = getattr(message, key) if nested is not None or field.is_repeated else None
        if enum is not None:
            words = EnumMap.words(enum)
            if field.is_repeated:
                target.extend(words.numbers(value, key))  # type: ignore[union-attr]
            else:
                setattr(message, key, words.number(value, key))
        elif nested is None:
            if field.is_repeated:
                target.extend(value)  # type: ignore[union-attr]
            else:
                setattr(message, key, value)
        elif nested.full_name == "google.protobuf.Timestamp":
            since = datetime.fromisoformat(value) - _EPOCH
            target.seconds = since.days * 86_400 + since.seconds  # type: ignore[union-attr]
            target.nanos = since.microseconds * 1_000  # type: ignore[union-attr]
        elif nested.full_name == "google.protobuf.Duration":
            target.FromTimedelta(timedelta(seconds=value))  # type: ignore[union-attr]  # domain payloads say seconds
        elif nested.full_name == "google.protobuf.Struct" or nested.GetOptions().map_entry:
            target.update(value)  # type: ignore[union-attr]
        elif field.is_repeated:
            for item in value:
                _fill(target.add(), item)  # type: ignore[union-attr]
        else:
            _fill(cast(Message, target), value)


def to_message(payload: Mapping[str, Any], message: M) -> M:
    """Fill `message` from a domain payload; an unknown key is an error (the contract must hold it)."""
    _fill(message, payload)
    return message


def event_message(event: DomainEvent) -> Message:
    return to_message(event.payload, MESSAGES_BY_TYPE[event.type]())


def event_data(event: DomainEvent) -> dict[str, Any]:
    """The CloudEvent `data`: the payload message in its canonical proto3 JSON mapping."""
    return json_format.MessageToDict(event_message(event))


def case_message(case: Case) -> cases_pb2.Case:
    """The case as the API returns it, with the actions its status allows now."""
    return to_message(case_payload(case), cases_pb2.Case())


def case_payload(case: Case) -> dict[str, Any]:
    """The case with the proto's field names and the domain's values (the HTTP API's JSON)."""
    return {
        "case_id": case.id,
        "case_number": case.number,
        "region": case.region,
        "company_id": case.company_id,
        "contract_id": case.contract_id,
        "caller": _present(vars(case.caller)),
        "asset": _present(vars(case.asset)),
        "description": case.description,
        "error_codes": list(case.error_codes),
        "category": case.category.value,
        "kind": case.kind.value,
        "priority": case.priority.value,
        "customer_severity": case.customer_severity.value if case.customer_severity else None,
        "channel": case.channel.value,
        "status": case.status.value,
        "tier": case.tier.value,
        "assignee_id": case.assignee,
        "rma": case.rma,
        "vendor_escalation_confirmed_by_id": case.vendor_escalation_confirmed_by,
        "entitlement": case.entitlement.value,
        "flags": vars(case.flags),
        "created_at": _time(case.created_at),
        "updated_at": _time(case.updated_at),
        "acknowledged_at": _time(case.acknowledged_at),
        "diagnosed_at": _time(case.diagnosed_at),
        "resolved_at": _time(case.resolved_at),
        "closed_at": _time(case.closed_at),
        "cancelled_at": _time(case.cancelled_at),
        "fault_report": case.fault_report.as_payload() if case.fault_report else None,
        "complaints": [
            {
                "sequence": c.sequence,
                "about": c.about.value,
                "text": c.text,
                "filed_by_id": c.filed_by,
                "filed_at": _time(c.filed_at),
                "engineer_id": c.engineer,
                "handled_by_id": c.handled_by,
                "handled_at": _time(c.handled_at),
            }
            for c in case.complaints
        ],
        "open_loaner_serials": list(case.open_loaners),
        "participant_ids": list(case.participants),
        "cancellation": (
            {
                "reason": case.cancellation.reason.value,
                "text": case.cancellation.text,
                "duplicate_of": case.cancellation.duplicate_of,
            }
            if case.cancellation
            else None
        ),
        "reopen_count": case.reopen_count,
        "version": case.version,
        "allowed_actions": [a.value for a in allowed_actions(case.status)],
        "follows_case_number": case.follows_case,
        "suggested_priority": case.suggested_priority.value if case.suggested_priority else None,
    }


def timeline_entry_message(entry: TimelineEntry) -> cases_pb2.TimelineEntry:
    """An entry as the API returns it, with `payload_json` so a client can recompute the hash."""
    fields = timeline_entry_payload(entry)
    payload = fields.pop("payload")
    message = to_message(fields, cases_pb2.TimelineEntry())
    message.payload.update(payload)
    return message


def timeline_entry_payload(entry: TimelineEntry) -> dict[str, Any]:
    """An entry with the proto's field names and the domain's values (the HTTP API's JSON)."""
    return {
        "case_id": entry.case_id,
        "position": entry.position,
        "occurred_at": canonical_time(entry.at),
        "actor": dict(entry.actor),
        "kind": entry.kind,
        "visibility": entry.visibility.value,
        "corrects_position": entry.corrects_position,
        "previous_hash": entry.previous_hash,
        "hash": entry.hash,
        "payload_json": canonical_json(entry.payload),
        "payload": dict(entry.payload),
    }


def _present(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _time(instant: datetime | None) -> str | None:
    return canonical_time(instant) if instant is not None else None
