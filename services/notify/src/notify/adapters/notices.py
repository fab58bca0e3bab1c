"""Reading a case, SLA or inspection event into a Notice: the payload's case snapshot (fields 1-14 of every
case and SLA payload), the policy's notify actions, and the plain facts templates may show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare.survey.v1 import survey_pb2
from aftercare_platform.bus.consumer import PermanentError
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts import EnumMap
from aftercare_platform.errors import InvalidArgument
from google.protobuf import json_format
from google.protobuf.message import Message

from notify.domain.notice import Contact, Notice, NotifyAction
from notify.domain.vocabulary import Channel, Role

_MODULES = {"case": (case_events, "Case"), "sla": (sla_events, "Sla"), "survey": (survey_pb2, "Survey"),
            "dispatch": (dispatch_events, "Dispatch")}
# the payload's enum values (proto JSON names) in their one short spelling
ACTION_KINDS = EnumMap.words(sla_pb2.ActionKind)
ROLES = EnumMap.words(sla_pb2.NotifyRole)
CHANNELS = EnumMap.words(sla_pb2.NotifyChannel)
PRIORITIES = EnumMap.words(cases_pb2.Priority)
CLOCK_KINDS = EnumMap.words(sla_pb2.ClockKind)
STATUSES = EnumMap.words(cases_pb2.CaseStatus)
COMPLAINT_ABOUT = EnumMap.words(cases_pb2.ComplaintAbout)


def short_type(event_type: str) -> str:
    """`aftercare.case.created.v1` -> `case.created`."""
    parts = event_type.split(".")
    return ".".join(parts[1:3]) if len(parts) == 4 else event_type


def _message_class(kind: str) -> type[Message] | None:
    aggregate, _, verb = kind.partition(".")
    module, prefix = _MODULES.get(aggregate, (None, ""))
    if module is None:
        return None
    cls = getattr(module, prefix + "".join(w.capitalize() for w in verb.split("_")), None)
    return cls if isinstance(cls, type) and issubclass(cls, Message) else None


def _payload(event: CloudEvent, kind: str) -> dict[str, Any]:
    """The payload as proto field names, checked against its message when notify knows it."""
    cls = _message_class(kind)
    if cls is None:
        return {_snake(k): v for k, v in event.data.items()}
    try:
        message = event.data_as(cls)
    except json_format.ParseError as bad:
        raise PermanentError(f"{event.type} {event.id}: data does not parse: {bad}") from bad
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _word(words: EnumMap[Any], value: Any, field: str) -> str:
    """The short form of a proto JSON enum value; "" when unset or newer than this build (payloads only grow:
    an unknown value is left out, as the old code skipped it, rather than parking the event)."""
    try:
        found = words.parse_optional(value, field)
    except InvalidArgument:
        return ""
    return found.value if found is not None else ""


def _actions(payload: dict[str, Any]) -> tuple[NotifyAction, ...]:
    actions = []
    for action in payload.get("actions", []):
        if _word(ACTION_KINDS, action.get("kind"), "actions.kind") != "notify":
            continue
        roles = tuple(Role(w) for w in (_word(ROLES, r, "actions.roles") for r in action.get("roles", [])) if w)
        channels = tuple(Channel(w) for w in (_word(CHANNELS, c, "actions.channels")
                                              for c in action.get("channels", [])) if w)
        actions.append(NotifyAction(roles, channels))
    return tuple(actions)


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _local(value: Any, zone: str) -> str:
    instant = _instant(value)
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") if instant else ""


def notice_from_event(event: CloudEvent, zone: str = "Asia/Shanghai") -> Notice:
    kind = short_type(event.type)
    payload = _payload(event, kind)
    case_id = str(payload.get("case_id") or event.subject)
    if not case_id:
        raise PermanentError(f"{event.type} {event.id} names no case")
    priority = _word(PRIORITIES, payload.get("priority"), "priority")
    facts: dict[str, Any] = {k: v for k, v in payload.items() if isinstance(v, str | int | float | bool)}
    facts.update(
        priority=priority,
        deadline=_local(payload.get("deadline"), zone),
        # templates show the clock in words ("first response")
        clock_kind=_word(CLOCK_KINDS, payload.get("clock_kind"), "clock_kind").lower().replace("_", " "),
        status=_word(STATUSES, payload.get("status"), "status"),
        complaint_about=_word(COMPLAINT_ABOUT, payload.get("about"), "about"),
    )
    # case events name the caller; survey's invitation names the contact it goes to
    caller = payload.get("caller") or {"name": payload.get("contact_name", ""),
                                       "phone": payload.get("contact_phone", ""),
                                       "email": payload.get("contact_email", "")}
    return Notice(
        event_id=event.id,
        event_type=kind,
        case_id=case_id,
        case_number=str(payload.get("case_number", "")),
        company_id=str(payload.get("company_id", "")),
        region=str(payload.get("region") or event.region),
        priority=facts["priority"],
        occurred_at=_instant(payload.get("occurred_at")) or event.time.astimezone(UTC),
        assignee_id=str(payload.get("assignee_id", "")),
        actions=_actions(payload),
        internal=bool(payload.get("internal", False)),
        caller=Contact(str(caller.get("name", "")), str(caller.get("phone", "")), str(caller.get("email", ""))),
        language=str(payload.get("language", "")),
        facts=facts,
    )


def notice_document(notice: Notice) -> dict[str, Any]:
    """What the notices table keeps: enough to rebuild the notice for a preview or a later customer message."""
    return {
        "event_id": notice.event_id, "event_type": notice.event_type, "case_id": notice.case_id,
        "case_number": notice.case_number, "company_id": notice.company_id, "region": notice.region,
        "priority": notice.priority, "occurred_at": notice.occurred_at.isoformat(),
        "assignee_id": notice.assignee_id, "internal": notice.internal,
        "caller": {"name": notice.caller.name, "phone": notice.caller.phone, "email": notice.caller.email},
        "language": notice.language,
        "actions": [{"roles": [str(r) for r in a.roles], "channels": [str(c) for c in a.channels]}
                    for a in notice.actions],
        "facts": notice.facts,
    }


def notice_from_document(document: dict[str, Any]) -> Notice:
    return Notice(
        event_id=document["event_id"], event_type=document["event_type"], case_id=document["case_id"],
        case_number=document["case_number"], company_id=document["company_id"], region=document["region"],
        priority=document["priority"], occurred_at=datetime.fromisoformat(document["occurred_at"]),
        assignee_id=document["assignee_id"], internal=document["internal"],
        caller=Contact(**document["caller"]), language=document.get("language", ""),
        actions=tuple(NotifyAction(tuple(Role(r) for r in a["roles"]), tuple(Channel(c) for c in a["channels"]))
                      for a in document["actions"]),
        facts=document["facts"],
    )
