"""SLA policies as data: per priority and clock kind, a target on a calendar, warnings and breach actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from aftercare_platform.calendar import Calendar

from sla_timer.domain.durations import format_duration
from sla_timer.domain.errors import UnknownCalendar, UnknownPolicy
from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role


@dataclass(frozen=True)
class Action:
    """What to do when a warning or breach fires: notify roles, reassign the case, escalate a tier."""

    kind: ActionKind
    roles: tuple[Role, ...] = ()
    channels: tuple[Channel, ...] = ()
    tiers: int = 0

    @classmethod
    def notify(cls, *roles: Role, channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL)) -> Action:
        return cls(ActionKind.NOTIFY, roles=tuple(roles), channels=channels)

    @classmethod
    def reassign(cls) -> Action:
        return cls(ActionKind.REASSIGN)

    @classmethod
    def escalate(cls, tiers: int = 1) -> Action:
        return cls(ActionKind.ESCALATE, tiers=tiers)


@dataclass(frozen=True)
class WarningRule:
    """A warning before the deadline: after a business duration, or at a percentage of the target."""

    after: timedelta | None = None
    percent: Decimal | None = None
    actions: tuple[Action, ...] = ()

    def __post_init__(self) -> None:
        if self.percent is not None and not isinstance(self.percent, Decimal):
            object.__setattr__(self, "percent", Decimal(str(self.percent)))

    def offset(self, target: timedelta) -> timedelta:
        """Business time since the clock started at which this warning is due (whole seconds)."""
        if self.after is not None:
            return self.after
        assert self.percent is not None
        micros = target // timedelta(microseconds=1)
        seconds = int(Decimal(micros) * self.percent / Decimal(100) / Decimal(1_000_000))
        return timedelta(seconds=seconds)

    @property
    def label(self) -> str:
        if self.after is not None:
            return format_duration(self.after)
        return f"{self.percent.normalize():f}%" if self.percent is not None else "?"


@dataclass(frozen=True)
class ClockTarget:
    """One row of a policy: how long a clock may run on which calendar, and what happens on the way."""

    target: timedelta
    calendar: str
    warnings: tuple[WarningRule, ...] = ()
    breach_actions: tuple[Action, ...] = ()
    # a target that depends on when the case arrives (plan 000 §1.1.6: 10 min within 9:00-17:30 on working
    # days, 30 min outside): arriving outside `office_hours`' working time gives `off_hours_target`, counted
    # on `off_hours_calendar` (default: `calendar`)
    office_hours: str | None = None
    off_hours_target: timedelta | None = None
    off_hours_calendar: str | None = None

    @property
    def calendars(self) -> frozenset[str]:
        """Every calendar this row names (its own, office hours, off hours)."""
        return frozenset(c for c in (self.calendar, self.office_hours, self.off_hours_calendar) if c)

    def warning_offsets(self) -> tuple[timedelta, ...]:
        return tuple(w.offset(self.target) for w in self.warnings)

    def for_arrival(self, at: datetime, calendars: Mapping[str, Calendar]) -> ClockTarget:
        """The target a clock started at `at` runs under (itself when it does not depend on arrival)."""
        if self.office_hours is None or self.off_hours_target is None:
            return self
        plain = replace(self, office_hours=None, off_hours_target=None, off_hours_calendar=None)
        hours = calendars.get(self.office_hours)
        if hours is not None and hours.is_working_time(at):
            return plain
        return replace(plain, target=self.off_hours_target, calendar=self.off_hours_calendar or self.calendar)


REOPEN_WINDOW_DAYS_DEFAULT = 14
REOPEN_WINDOW_DAYS_MAX = 3650


@dataclass(frozen=True)
class ReplySettings:
    """What a policy says of the customer's word on a case (cases applies it; sla-timer announces it)."""

    # a customer's reply ends "waiting for customer" and resumes the paused clocks
    customer_reply_resumes: bool = True
    # a customer's reply or reopen request within this many days of closing reopens the case
    reopen_window_days: int = REOPEN_WINDOW_DAYS_DEFAULT


@dataclass(frozen=True)
class Policy:
    name: str
    targets: Mapping[Priority, Mapping[ClockKind, ClockTarget]]
    description: str = ""
    # plan 003 §3: the contract lets the customer's own severity and requested response time count
    honours_customer_severity: bool = False
    honours_requested_response: bool = False
    # issue 10: the customer's reply resumes a waiting case; a reply within the window reopens a closed one
    customer_reply_resumes: bool = True
    reopen_window_days: int = REOPEN_WINDOW_DAYS_DEFAULT

    @property
    def reply_settings(self) -> ReplySettings:
        return ReplySettings(self.customer_reply_resumes, self.reopen_window_days)

    def target_for(self, priority: Priority, kind: ClockKind) -> ClockTarget | None:
        """The row for (priority, kind), or None when this policy promises nothing for it."""
        return self.targets.get(priority, {}).get(kind)

    def promises(self, kind: ClockKind) -> bool:
        """True when some priority has a target for this clock kind."""
        return any(kind in row for row in self.targets.values())

    def rows(self) -> list[tuple[Priority, ClockKind, ClockTarget]]:
        return [
            (priority, kind, self.targets[priority][kind])
            for priority in Priority
            if priority in self.targets
            for kind in ClockKind
            if kind in self.targets[priority]
        ]


DEFAULT_POLICY = "default"


@dataclass(frozen=True)
class PolicySet:
    """Every calendar and policy the service knows; contracts pick a policy by name."""

    calendars: Mapping[str, Calendar]
    policies: Mapping[str, Policy]
    default_policy: str = DEFAULT_POLICY
    # data the set was read from (e.g. "defaults"), informative only
    source: str = field(default="", compare=False)

    def calendar(self, name: str) -> Calendar:
        try:
            return self.calendars[name]
        except KeyError:
            raise UnknownCalendar(f"no calendar named {name!r}", calendar=name) from None

    def policy(self, name: str) -> Policy:
        try:
            return self.policies[name]
        except KeyError:
            raise UnknownPolicy(f"no policy named {name!r}", policy=name) from None

    def policy_for_contract(self, name: str | None) -> Policy:
        """The contract's policy by name, falling back to the default when it names none or an unknown one."""
        if name and name in self.policies:
            return self.policies[name]
        return self.policy(self.default_policy)

    def validate(self) -> PolicySet:
        """Raise InvalidArgument naming every offending field; return self when valid."""
        from sla_timer.domain.validation import validate_policy_set

        validate_policy_set(self)
        return self
