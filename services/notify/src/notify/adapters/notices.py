"""Reading a case, SLA or inspection event into a Notice: the payload's case snapshot (fields 1-14 of every
case and SLA payload), the policy's notify actions, and the plain facts templates may show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare_platform.bus.consumer import PermanentError
from aftercare_platform.bus.envelope import CloudEvent
from google.protobuf import json_format
from google.protobuf.message import Message

from notify.domain.notice import Contact, Notice, NotifyAction
from notify.domain.vocabulary import Channel, Role

_MODULES = {"case": (case_events, "Case"), "sla": (sla_events, "Sla")}


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


def _actions(payload: dict[str, Any]) -> tuple[NotifyAction, ...]:
    actions = []
    for action in payload.get("actions", []):
        if action.get("kind") != "ACTION_KIND_NOTIFY":
            continue
        roles = tuple(Role(r.removeprefix("NOTIFY_ROLE_").lower()) for r in action.get("roles", [])
                      if r.removeprefix("NOTIFY_ROLE_").lower() in Role._value2member_map_)
        channels = tuple(Channel(c.removeprefix("NOTIFY_CHANNEL_").lower()) for c in action.get("channels", [])
                         if c.removeprefix("NOTIFY_CHANNEL_").lower() in Channel._value2member_map_)
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
    priority = str(payload.get("priority", "")).removeprefix("PRIORITY_")
    facts: dict[str, Any] = {k: v for k, v in payload.items() if isinstance(v, str | int | float | bool)}
    facts.update(
        priority=priority if priority != "UNSPECIFIED" else "",
        deadline=_local(payload.get("deadline"), zone),
        clock_kind=str(payload.get("clock_kind", "")).removeprefix("CLOCK_KIND_").lower().replace("_", " "),
        status=str(payload.get("status", "")).removeprefix("CASE_STATUS_").lower(),
        complaint_about=str(payload.get("about", "")).removeprefix("COMPLAINT_ABOUT_").lower(),
    )
    caller = payload.get("caller") or {}
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
        caller=Contact(**document["caller"]),
        actions=tuple(NotifyAction(tuple(Role(r) for r in a["roles"]), tuple(Channel(c) for c in a["channels"]))
                      for a in document["actions"]),
        facts=document["facts"],
    )
