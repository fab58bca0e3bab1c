"""The sla-timer domain: calendars, policies, clocks. Pure rules, no I/O.

vocabulary      Priority, ClockKind, Role, Channel, ActionKind
durations       "5m" / "1h30m" / "PT2H" <-> timedelta
(calendars: aftercare_platform.calendar, shared with dispatch and inspection)
policy          Action, WarningRule, ClockTarget, Policy, PolicySet
validation      every problem of a calendar or policy set, named by field
policy_yaml     YAML import/export of calendars and policies
defaults        the shipped policy set (sla_timer/defaults/*.yaml)
clock_model     SlaClock and its parts (Pause, TargetRevision, Firing, DueItem...), Transition, FireResult
clock_timeline  business time elapsed over a clock's history; when each warning/breach comes due
clock           start, pause, resume, change priority, fire_due (and the rules for late events)
clock_close     stop (MET/BREACHED), end (no verdict), cancel
commands        ClockOp, ClockCommand
event_plan      plan_for_event / plan_for_cloudevent: event type -> clock commands
case_clocks     apply_commands: commands -> transitions of one case's clocks
explain         explain(clock): what GetCaseSla shows, with a "why" sentence
clock_codec     SlaClock <-> JSON-ready dict
"""

from aftercare_platform.calendar import Calendar, Window

from sla_timer.domain.case_clocks import Applied, CaseClocksOutcome, CasePriorityUnknown, apply_commands
from sla_timer.domain.clock import (
    cancel_clock,
    change_priority,
    end_clock,
    fire_due,
    pause_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from sla_timer.domain.clock_codec import clock_from_dict, clock_to_dict
from sla_timer.domain.clock_model import ClockStatus, DueItem, FireResult, Firing, SlaClock, Transition
from sla_timer.domain.commands import ClockCommand, ClockOp
from sla_timer.domain.defaults import load_default_policy_set
from sla_timer.domain.errors import CalendarHasNoWorkingTime, UnknownCalendar, UnknownPolicy
from sla_timer.domain.event_plan import HANDLED_EVENT_TYPES, event_time, plan_for_cloudevent, plan_for_event
from sla_timer.domain.explain import ClockExplanation, explain
from sla_timer.domain.policy import Action, ClockTarget, Policy, PolicySet, WarningRule
from sla_timer.domain.policy_yaml import dump_policy_set, load_calendars, load_policy_set
from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role

__all__ = [
    "HANDLED_EVENT_TYPES",
    "Action",
    "ActionKind",
    "Applied",
    "Calendar",
    "CalendarHasNoWorkingTime",
    "CaseClocksOutcome",
    "CasePriorityUnknown",
    "Channel",
    "ClockCommand",
    "ClockExplanation",
    "ClockKind",
    "ClockOp",
    "ClockStatus",
    "ClockTarget",
    "DueItem",
    "FireResult",
    "Firing",
    "Policy",
    "PolicySet",
    "Priority",
    "Role",
    "SlaClock",
    "Transition",
    "UnknownCalendar",
    "UnknownPolicy",
    "WarningRule",
    "Window",
    "apply_commands",
    "cancel_clock",
    "change_priority",
    "clock_from_dict",
    "clock_to_dict",
    "dump_policy_set",
    "end_clock",
    "event_time",
    "explain",
    "fire_due",
    "load_calendars",
    "load_default_policy_set",
    "load_policy_set",
    "pause_clock",
    "plan_for_cloudevent",
    "plan_for_event",
    "resume_clock",
    "start_clock",
    "stop_clock",
]
