"""A notifiable fact, read from a case, SLA or other event: everything the rules and templates need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notify.domain.vocabulary import Channel, Role

# event types (aggregate.verb) after which a held, non-urgent message about the case is no longer worth sending
RESOLVING_TYPES = frozenset({"case.resolved", "case.closed", "case.cancelled"})
BREACH_TYPES = frozenset({"sla.breached"})


@dataclass(frozen=True)
class NotifyAction:
    """A per-policy action carried by an SLA event: tell these roles by these channels."""

    roles: tuple[Role, ...]
    channels: tuple[Channel, ...]


@dataclass(frozen=True)
class Contact:
    """Who reported the case, as the case event carries it (used when the registry has no contact)."""

    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Notice:
    event_id: str
    event_type: str  # "case.created", "sla.breached"
    case_id: str
    case_number: str
    company_id: str
    region: str
    priority: str  # "P1".."P4", "" when unknown
    occurred_at: datetime
    assignee_id: str = ""
    actions: tuple[NotifyAction, ...] = ()
    # staff-only matter (an internal note): never told to a customer
    internal: bool = False
    caller: Contact = field(default_factory=Contact)
    # the language the event asks the customer be told in ("zh-CN", "en"; survey's invitation says it), "" if none
    language: str = ""
    # what templates may show, plain values only (strings, numbers, lists, dicts of those)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        """P1 and breaches go through quiet hours and per-recipient limits."""
        return self.priority == "P1" or self.event_type in BREACH_TYPES

    @property
    def resolves_case(self) -> bool:
        return self.event_type in RESOLVING_TYPES

    def template_context(self) -> dict[str, Any]:
        return {
            **self.facts,
            "event_type": self.event_type,
            "case_number": self.case_number,
            "case_id": self.case_id,
            "region": self.region,
            "priority": self.priority,
            "occurred_at": self.occurred_at.isoformat(),
            "caller_name": self.caller.name,
        }
