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
event_plan      plan_for_event, event_time: event type -> clock commands
case_clocks     apply_commands: commands -> transitions of one case's clocks
explain         explain(clock): what GetCaseSla shows, with a "why" sentence
"""
