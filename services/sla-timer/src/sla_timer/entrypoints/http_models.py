"""The REST API's response bodies, typed for OpenAPI: the aftercare.sla.v1 messages in the REST JSON mapping
(proto field names, enums in their short forms, durations as "300s", times as RFC 3339). A field the message
leaves at its default is left out, as the proto JSON mapping does (the routes exclude unset fields)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role

ClockStatusWord = Literal["RUNNING", "PAUSED", "MET", "BREACHED", "STOPPED", "CANCELLED", "NOT_STARTED"]
ItemStateWord = Literal["pending", "fired", "withdrawn", "skipped", "unreachable"]
WeekdayWord = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Duration = str  # "300s", "0.5s"
Timestamp = str  # RFC 3339, UTC


class View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemView(View):
    item: str = Field("", description='"warning:0", ..., "breach"')
    label: str = Field("", description='"30m", "50%", "breach"')
    state: ItemStateWord | None = None
    due_time: Timestamp | None = None
    fired_time: Timestamp | None = None
    withdrawn_time: Timestamp | None = None
    note: str | None = None
    priority: Priority | None = Field(None, description="for a fired item: in force when it came due")
    target: Duration | None = None


class TargetInForceView(View):
    effective_time: Timestamp | None = None
    priority: Priority | None = None
    target: Duration | None = None
    calendar: str | None = None


class FiringView(View):
    item: str = ""
    label: str = ""
    due_time: Timestamp | None = None
    fired_time: Timestamp | None = None
    withdrawn_time: Timestamp | None = None
    withdrawn_reason: str | None = None


class PauseView(View):
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None
    reason: str | None = None


class CycleView(View):
    cycle: int = 0
    started_time: Timestamp | None = None
    stopped_time: Timestamp | None = None
    status: ClockStatusWord | None = None
    business_elapsed: Duration | None = None
    firings: list[FiringView] = []
    priority: Priority | None = None
    target: Duration | None = None
    targets_in_force: list[TargetInForceView] = []


class ClockView(View):
    clock_kind: ClockKind | None = None
    cycle: int = 0
    status: ClockStatusWord | None = None
    policy: str | None = None
    priority: Priority | None = None
    target: Duration | None = None
    calendar: str | None = None
    time_zone: str | None = None
    started_time: Timestamp | None = None
    stopped_time: Timestamp | None = None
    business_elapsed: Duration | None = None
    remaining: Duration | None = None
    pauses: list[PauseView] = []
    deadline: Timestamp | None = None
    next_due: ItemView | None = None
    warnings: list[ItemView] = []
    breach: ItemView | None = None
    withdrawn: list[FiringView] = []
    previous_cycles: list[CycleView] = []
    why: str | None = None
    targets_in_force: list[TargetInForceView] = []


class CaseSlaView(View):
    """Every clock of a case explained (what a customer sees: see docs/customers-and-slas.md)."""

    case_id: str
    case_number: str | None = None
    region: str | None = None
    company_id: str | None = None
    contract_id: str | None = None
    policy: str | None = None
    clocks: list[ClockView] = []
    as_of: Timestamp | None = None
    customer_severity: Priority | None = Field(None, description="as the customer stated it (plan 003 §3)")
    customer_requested_response: Duration | None = None


class ActionView(View):
    kind: ActionKind
    roles: list[Role] = []
    channels: list[Channel] = []
    tiers: int | None = None


class WarningRuleView(View):
    after: Duration | None = None
    percent: float | None = None
    actions: list[ActionView] = []


class ClockTargetView(View):
    priority: Priority | None = None
    clock_kind: ClockKind | None = None
    target: Duration | None = None
    calendar: str | None = None
    warnings: list[WarningRuleView] = []
    breach_actions: list[ActionView] = []
    off_hours_target: Duration | None = None
    office_hours_calendar: str | None = None
    off_hours_calendar: str | None = None


class PolicyView(View):
    name: str
    description: str | None = None
    targets: list[ClockTargetView] = []
    is_default: bool | None = None
    honours_customer_severity: bool | None = None
    honours_requested_response: bool | None = None
    customer_reply_resumes: bool | None = Field(None, description="a customer's reply resumes a waiting case")
    reopen_window_days: int | None = Field(
        None, ge=0, le=3650, description="a customer's reply within this many days of closing reopens the case"
    )


class PolicyListView(View):
    policies: list[PolicyView]
    default_policy: str


class DayWindowsView(View):
    day: WeekdayWord | None = None
    windows: list[str] = []


class WindowListView(View):
    windows: list[str] = []


class CalendarView(View):
    name: str
    time_zone: str | None = None
    description: str | None = None
    weekly: list[DayWindowsView] = []
    public_holidays: str | None = None
    swapped_workday_windows: WindowListView | None = None
    extra_holidays: list[str] = []
    extra_working_days: list[str] = []


class CalendarListView(View):
    calendars: list[CalendarView]


class ImportedView(View):
    calendars: int
    policies: int
    default_policy: str


class ComplianceRowView(View):
    company_id: str
    region: str
    priority: Priority = Field(description="in force when the outcome happened")
    clock_kind: ClockKind
    month: str
    engineer_id: str = Field("", description='who held the case then; "" unassigned (the desk); staff only')
    met: int
    breached: int
    compliance_percent: float


class ComplianceView(View):
    rows: list[ComplianceRowView]
    met: int
    breached: int
    compliance_percent: float | None = Field(description="null when nothing was counted (never 100 % of nothing)")
    empty: bool
