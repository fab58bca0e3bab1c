"""What a case or dispatch event says about its case: the snapshot at the head of every payload.

Case events (`aftercare.case.<verb>.v1`, proto aftercare.cases.v1.Case<Verb>) and dispatch events
(`aftercare.visit|rma|loaner.<verb>.v1`, aftercare.dispatch.v1.<Aggregate><Verb>) all start with the
case's id, number, region, company, contract, priority and the time the thing happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.errors import InvalidArgument
from google.protobuf import json_format
from google.protobuf.message import Message

from sla_timer.domain.event_plan import event_time
from sla_timer.domain.vocabulary import Priority

_MODULES = {"case": case_events, "visit": dispatch_events, "rma": dispatch_events, "loaner": dispatch_events}


@dataclass(frozen=True)
class CaseSnapshot:
    case_id: str
    case_number: str
    region: str
    company_id: str
    contract_id: str
    # None when the event does not say (a dispatch event may leave it out)
    priority: Priority | None
    # the event's own time: every clock rule judges by it
    occurred_at: datetime


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in text.split("_"))


def payload_class(event_type: str) -> type[Message] | None:
    """`aftercare.case.priority_changed.v1` -> CasePriorityChanged; None for types without a payload here."""
    parts = event_type.split(".")
    if len(parts) != 4 or parts[0] != "aftercare" or parts[1] not in _MODULES:
        return None
    found = getattr(_MODULES[parts[1]], _camel(parts[1]) + _camel(parts[2]), None)
    return found if isinstance(found, type) and issubclass(found, Message) else None


def priority_of(value: int) -> Priority | None:
    """aftercare.cases.v1.Priority (PRIORITY_P1...) as the domain's P1..P4; unspecified -> None."""
    if value == cases_pb2.PRIORITY_UNSPECIFIED:
        return None
    return Priority(cases_pb2.Priority.Name(value).removeprefix("PRIORITY_"))  # type: ignore[arg-type]


def is_about_a_case(event_type: str) -> bool:
    return event_type.split(".")[1:2] in (["case"], ["visit"], ["rma"], ["loaner"])


def snapshot_of(event: CloudEvent) -> CaseSnapshot:
    """The snapshot of a case or dispatch event; InvalidArgument (parked) when it names no case."""
    message_class = payload_class(event.type)
    data: Any
    fields: tuple[str, ...]
    if message_class is not None:
        try:
            data = event.data_as(message_class)
        except json_format.ParseError as bad:
            raise InvalidArgument.for_field("data", f"not a {message_class.__name__}: {bad}") from None
        occurred = data.occurred_at.ToDatetime(tzinfo=UTC) if data.HasField("occurred_at") else None
        fields = (data.case_id, data.case_number, data.region, data.company_id, data.contract_id)
        priority = priority_of(data.priority)
    else:  # a verb this build does not know yet: its snapshot still has the same field names
        raw = event.data
        fields = tuple(str(raw.get(_json_name(name)) or raw.get(name) or "") for name in _SNAPSHOT_FIELDS)
        priority = _priority_text(raw.get("priority"))
        stamped = raw.get("occurredAt") or raw.get("occurred_at")
        occurred = event_time({"time": event.time.isoformat(), "data": {"occurred_at": stamped}}) if stamped else None
    case_id, case_number, region, company_id, contract_id = fields
    if not case_id:
        raise InvalidArgument.for_field("data.case_id", f"{event.type} names no case")
    return CaseSnapshot(
        case_id=case_id,
        case_number=case_number,
        region=region or event.region,
        company_id=company_id,
        contract_id=contract_id,
        priority=priority,
        occurred_at=occurred if occurred is not None else event.time,
    )


_SNAPSHOT_FIELDS = ("case_id", "case_number", "region", "company_id", "contract_id")


def _json_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _priority_text(value: object) -> Priority | None:
    text = str(value or "").removeprefix("PRIORITY_")
    return Priority(text) if text in set(Priority) else None
