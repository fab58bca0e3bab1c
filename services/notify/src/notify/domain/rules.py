"""Rules as data: which event tells which roles by which channels, with per-company overrides.

An SLA event carries its policy's notify actions (roles and channels): those are used as they are,
so an administrator changes SLA notifications in the policy, not here. Other events use the
default rule of their type, then the company's overrides (extra channels, extra recipients, or off).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from notify.domain.notice import Notice
from notify.domain.vocabulary import Channel, Role

SMS_AND_EMAIL = (Channel.SMS, Channel.EMAIL)


@dataclass(frozen=True)
class Rule:
    event_type: str
    roles: tuple[Role, ...]
    channels: tuple[Channel, ...]
    # staff-only events never go to customers whatever the rule says
    customer_facing: bool = True


DEFAULT_RULES: tuple[Rule, ...] = (
    # the reporting contact gets the case number
    Rule("case.created", (Role.CUSTOMER_CONTACT,), SMS_AND_EMAIL),
    # 001 §4.2: the engineer is told of an assignment by e-mail and SMS
    Rule("case.assigned", (Role.ASSIGNEE,), SMS_AND_EMAIL),
    # state changes the customer cares about
    Rule("case.acknowledged", (Role.CUSTOMER_CONTACT,), SMS_AND_EMAIL),
    Rule("case.waiting_for_customer", (Role.CUSTOMER_CONTACT,), SMS_AND_EMAIL),
    Rule("case.resolved", (Role.CUSTOMER_CONTACT,), SMS_AND_EMAIL),
    Rule("case.reopened", (Role.CUSTOMER_CONTACT, Role.ASSIGNEE), SMS_AND_EMAIL),
    Rule("case.cancelled", (Role.CUSTOMER_CONTACT,), (Channel.EMAIL,)),
    # the satisfaction survey's invitation (its link, made by survey) and an unsatisfied answer: the case is
    # reopened and the region's supervisor on duty hears of it at once
    Rule("survey.sent", (Role.CUSTOMER_CONTACT,), SMS_AND_EMAIL),
    Rule("survey.unsatisfied", (Role.SUPERVISOR,), SMS_AND_EMAIL, customer_facing=False),
    # complaints and escalations reach the region's supervisor on duty by both channels at once
    Rule("case.complaint_filed", (Role.SUPERVISOR,), SMS_AND_EMAIL, customer_facing=False),
    Rule("case.vendor_escalation_confirmed", (Role.VENDOR_CONTACT, Role.SUPERVISOR), (Channel.EMAIL,), False),
    # a case no engineer can take (dispatch's alert): the region's supervisor on duty, at once
    Rule("dispatch.supervisor_alert", (Role.SUPERVISOR,), SMS_AND_EMAIL, customer_facing=False),
    # SLA events without policy actions fall back to these
    Rule("sla.warning", (Role.ASSIGNEE,), SMS_AND_EMAIL, customer_facing=False),
    Rule("sla.breached", (Role.SUPERVISOR,), SMS_AND_EMAIL, customer_facing=False),
    # inspections: the notice ahead of an on-site visit (15 working days: inspection.notice_due) and the report
    Rule("inspection.notice_due", (Role.CUSTOMER_CONTACT,), (Channel.EMAIL,)),
    Rule("inspection.reported", (Role.CUSTOMER_CONTACT,), (Channel.EMAIL,)),
)


@dataclass(frozen=True)
class ExtraRecipient:
    """A fixed address a company wants told as well (its duty phone, its ticket system's webhook)."""

    name: str
    channel: Channel
    address: str
    language: str = "zh-CN"


@dataclass(frozen=True)
class CompanyOverride:
    company_id: str
    event_type: str  # "*" for every event type
    enabled: bool = True
    # replaces the rule's channels when set
    channels: tuple[Channel, ...] | None = None
    extra_roles: tuple[Role, ...] = ()
    extra_recipients: tuple[ExtraRecipient, ...] = ()

    def applies(self, notice: Notice) -> bool:
        return self.company_id == notice.company_id and self.event_type in ("*", notice.event_type)


@dataclass(frozen=True)
class Target:
    role: Role
    channel: Channel


@dataclass(frozen=True)
class Targets:
    by_role: tuple[Target, ...]
    extra: tuple[ExtraRecipient, ...] = ()


@dataclass
class RuleBook:
    rules: dict[str, Rule] = field(default_factory=lambda: {r.event_type: r for r in DEFAULT_RULES})
    overrides: list[CompanyOverride] = field(default_factory=list)

    def targets(self, notice: Notice) -> Targets:
        """Whom to tell of this notice by which channel; empty when nobody."""
        pairs: list[Target] = []
        rule = self.rules.get(notice.event_type)
        if notice.actions:
            pairs = [Target(role, ch) for action in notice.actions for role in action.roles for ch in action.channels]
        elif rule is not None:
            pairs = [Target(role, ch) for role in rule.roles for ch in rule.channels]
        extras: list[ExtraRecipient] = []
        for override in (o for o in self.overrides if o.applies(notice)):
            if not override.enabled:
                return Targets(())
            if override.channels is not None:
                pairs = [Target(role, ch) for role in _roles(pairs) for ch in override.channels]
            channels = override.channels or tuple(dict.fromkeys(t.channel for t in pairs)) or SMS_AND_EMAIL
            pairs += [Target(role, ch) for role in override.extra_roles for ch in channels]
            extras += override.extra_recipients
        if notice.internal:
            # an internal fact is never told to the customer, whatever a rule says
            pairs = [t for t in pairs if t.role is not Role.CUSTOMER_CONTACT]
            extras = []
        return Targets(tuple(dict.fromkeys(pairs)), tuple(dict.fromkeys(extras)))


def _roles(targets: Iterable[Target]) -> tuple[Role, ...]:
    return tuple(dict.fromkeys(t.role for t in targets))
