"""The case as every case event carries it: the snapshot at the head of the payload.

Case events (`aftercare.case.<verb>.v1`) start with fields 1-14 (ids, region, company, contract,
priority, category, kind, assignee, tier, RMA flag, status, when, who); dispatch events
(`aftercare.visit|rma|loaner|vendor.<verb>.v1`) with fields 1-8 (ids, region, company, contract, priority,
when, who). `case_snapshot` reads either into one typed value, enums in their short forms (`P1`,
`in_progress`), so a consumer turns them into its domain enum with one call (`Priority(s.priority)`).
A verb this build does not know yet is read from its snapshot fields alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from google.protobuf import json_format
from google.protobuf.message import Message

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts.enum_map import EnumMap
from aftercare_platform.contracts.event_types import message_class, parse_data
from aftercare_platform.errors import InvalidArgument

# the aggregates whose events carry a case snapshot, and the message whose head is that snapshot
_HEADS: dict[str, type[Message]] = {
    "case": case_events.CaseCreated,
    "visit": dispatch_events.VisitRequested,
    "rma": dispatch_events.VisitRequested,
    "loaner": dispatch_events.VisitRequested,
    "vendor": dispatch_events.VisitRequested,
}
# the event's own facts start at field 20; below are the snapshot's
_OWN_FIELDS_FROM = 20

PRIORITIES = EnumMap.words(cases_pb2.Priority)
STATUSES = EnumMap.words(cases_pb2.CaseStatus)
CATEGORIES = EnumMap.words(cases_pb2.Category)
KINDS = EnumMap.words(cases_pb2.CaseKind)
TIERS = EnumMap.words(cases_pb2.Tier)


@dataclass(frozen=True)
class CaseSnapshot:
    case_id: str
    case_number: str
    region: str
    company_id: str
    contract_id: str
    # short forms (`P1`, `in_progress`); None when the event leaves it unspecified (or does not carry it)
    priority: str | None
    # the event's own time (`occurred_at`, else the envelope's): every rule on a case judges by it
    occurred_at: datetime
    actor_id: str = ""
    # case events only (None / "" / False for dispatch events)
    category: str | None = None
    kind: str | None = None
    assignee_id: str = ""
    tier: str | None = None
    rma: bool = False
    status: str | None = None


def aggregate_of(event_type: str) -> str:
    parts = event_type.split(".")
    return parts[1] if len(parts) == 4 and parts[0] == "aftercare" else ""


def is_about_a_case(event_type: str) -> bool:
    """True for the types whose payload starts with a case snapshot (case and dispatch events)."""
    return aggregate_of(event_type) in _HEADS


def snapshot_message(event: CloudEvent) -> Any:
    """The payload as its registered message, or (for a verb this build does not know) its snapshot
    fields read into the aggregate's first message; InvalidArgument when it does not parse."""
    head = _HEADS.get(aggregate_of(event.type))
    if head is None:
        raise InvalidArgument.for_field("type", f"{event.type} carries no case snapshot")
    if message_class(event.type) is not None:
        return parse_data(event)
    names = _snapshot_names(head)
    message = head()
    try:
        json_format.ParseDict({k: v for k, v in event.data.items() if k in names}, message)
    except json_format.ParseError as bad:
        raise InvalidArgument.for_field("data", f"no case snapshot: {bad}") from None
    return message


def case_snapshot(event: CloudEvent, *, require_case: bool = True, message: Any | None = None) -> CaseSnapshot:
    """The snapshot of a case or dispatch event; InvalidArgument naming the field when it does not
    parse or (unless `require_case` is False: case_id "") names no case. `message`: the event's
    `snapshot_message`, when the caller parsed it already to read more of it (parsing is the costly part)."""
    message = snapshot_message(event) if message is None else message
    if require_case and not message.case_id:
        raise InvalidArgument.for_field("data.case_id", f"{event.type} names no case")
    fields = message.DESCRIPTOR.fields_by_name
    occurred = message.occurred_at.ToDatetime(tzinfo=UTC) if message.HasField("occurred_at") else event.time
    snapshot = CaseSnapshot(
        case_id=message.case_id,
        case_number=message.case_number,
        region=message.region or event.region,
        company_id=message.company_id,
        contract_id=message.contract_id,
        priority=PRIORITIES.short(message.priority, "data.priority"),
        occurred_at=occurred,
        actor_id=message.actor.subject_id,
    )
    if "status" not in fields:
        return snapshot
    return replace(
        snapshot,
        category=CATEGORIES.short(message.category, "data.category"),
        kind=KINDS.short(message.kind, "data.kind"),
        assignee_id=message.assignee_id,
        tier=TIERS.short(message.tier, "data.tier"),
        rma=message.rma,
        status=STATUSES.short(message.status, "data.status"),
    )


def _snapshot_names(head: type[Message]) -> frozenset[str]:
    own = [f for f in head.DESCRIPTOR.fields if f.number < _OWN_FIELDS_FROM]
    return frozenset([f.json_name for f in own] + [f.name for f in own])
