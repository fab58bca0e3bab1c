"""YAML import and export: round trip, defaults inherited by rows, and field-named errors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import yaml
from aftercare_platform.calendar import Calendar, Window
from aftercare_platform.errors import InvalidArgument
from sla_timer.domain.durations import format_duration, parse_duration
from sla_timer.domain.policy import Action, ClockTarget, Policy, PolicySet, WarningRule
from sla_timer.domain.policy_yaml import dump_policy_set, load_calendars, load_policy_set
from sla_timer.domain.vocabulary import ClockKind, Priority, Role

CALENDAR = """
calendars:
  office:
    time_zone: Asia/Shanghai
    weekly: {mon: ["09:00-12:00", "13:30-17:30"], tue: ["09:00-17:30"]}
"""


def policy_doc(row: str, *, calendar: str = "office") -> str:
    return (
        CALENDAR
        + f"""
policies:
  default:
    targets:
      P1:
        FIRST_RESPONSE: {{calendar: {calendar}, {row}}}
"""
    )


def fields(error: pytest.ExceptionInfo[InvalidArgument]) -> list[str]:
    return [v.field for v in error.value.violations]


def test_the_default_set_survives_a_round_trip(defaults: PolicySet) -> None:
    exported = dump_policy_set(defaults)
    again = load_policy_set(exported)
    assert again == defaults
    assert dump_policy_set(again) == exported


def test_a_hand_built_set_survives_a_round_trip() -> None:
    calendar = Calendar(
        name="cn",
        time_zone="Asia/Shanghai",
        weekly=((Window.parse("09:00-12:00"), Window.parse("13:30-17:30")),) * 5 + ((), ()),
        public_holidays="CN",
        swapped_workday_windows=(Window.parse("09:00-17:30"),),
        extra_holidays=frozenset({date(2027, 2, 5)}),
        extra_working_days=frozenset({date(2027, 1, 30)}),
        description="常规服务",
    )
    target = ClockTarget(
        target=timedelta(hours=1, minutes=30),
        calendar="cn",
        warnings=(
            WarningRule(after=timedelta(minutes=30), actions=(Action.notify(Role.ASSIGNEE),)),
            WarningRule(percent=Decimal("87.5"), actions=(Action.reassign(),)),
        ),
        breach_actions=(Action.notify(Role.SUPERVISOR), Action.escalate(2)),
    )
    policy = Policy("gold", {Priority.P2: {ClockKind.RESTORE: target}}, description="金牌")
    original = PolicySet(calendars={"cn": calendar}, policies={"gold": policy}, default_policy="gold").validate()
    exported = dump_policy_set(original)
    assert load_policy_set(exported) == original
    assert "常规服务" in exported  # unicode kept readable
    # only calendars, or only policies, can be exported too; the two halves load back together
    halves = dump_policy_set(original, policies=False), dump_policy_set(original, calendars=False)
    assert load_policy_set(*halves) == original


def test_rows_inherit_the_policy_defaults_and_may_override_them() -> None:
    doc = (
        CALENDAR
        + """
policies:
  default:
    defaults:
      calendar: office
      warnings: [{percent: 50, actions: [{type: notify, roles: [assignee], channels: [sms]}]}]
      breach_actions: [{type: escalate}]
    targets:
      P1:
        FIRST_RESPONSE: {target: 10m}
        RESTORE: {target: 2h, warnings: [], breach_actions: [{type: reassign}]}
"""
    )
    policy = load_policy_set(doc).policy("default")
    response = policy.target_for(Priority.P1, ClockKind.FIRST_RESPONSE)
    restore = policy.target_for(Priority.P1, ClockKind.RESTORE)
    assert response is not None and restore is not None
    assert response.calendar == "office"
    assert response.warning_offsets() == (timedelta(minutes=5),)
    assert response.breach_actions == (Action.escalate(1),)
    assert restore.warnings == ()
    assert restore.breach_actions == (Action.reassign(),)


def test_loading_only_calendars() -> None:
    calendars = load_calendars(CALENDAR)
    assert calendars["office"].weekly[0] == (Window.parse("09:00-12:00"), Window.parse("13:30-17:30"))


# ---- validation errors name the field ------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("target: 1h, warnings: [{after: 1h}]", "warnings[0]", "at or after the deadline"),
        ("target: 1h, warnings: [{after: 2h}]", "warnings[0]", "at or after the deadline"),
        ("target: 1h, warnings: [{percent: 100}]", "warnings[0].percent", "between 0 and 100"),
        ("target: 1h, warnings: [{after: 45m}, {after: 30m}]", "warnings[1]", "not after the warning before"),
        ("target: 0s", "target", "must be positive"),
        ("target: soon", "target", "not a duration"),
        ("target: 1h, warnings: [{after: 30m, percent: 50}]", "warnings[0]", "exactly one of"),
        ("target: 1h, breach_actions: [{type: notify, roles: [supervisor]}]", "breach_actions[0].channels", "channel"),
        ("target: 1h, breach_actions: [{type: escalate, tiers: 0}]", "breach_actions[0].tiers", "at least one tier"),
        (
            "target: 1h, breach_actions: [{type: notify, roles: [boss], channels: [sms]}]",
            "breach_actions[0].roles[0]",
            "supervisor",
        ),
        ("target: 1h, colour: red", "colour", "xtra"),
    ],
)
def test_a_bad_row_is_refused_naming_its_field(row: str, field: str, words: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        load_policy_set(policy_doc(row))
    path = "policies.default.targets.P1.FIRST_RESPONSE." + field
    assert path in fields(error), fields(error)
    message = next(v.description for v in error.value.violations if v.field == path)
    assert words in message
    assert path in error.value.detail


def test_an_unknown_calendar_is_refused() -> None:
    with pytest.raises(InvalidArgument) as error:
        load_policy_set(policy_doc("target: 1h", calendar="nowhere"))
    assert fields(error) == ["policies.default.targets.P1.FIRST_RESPONSE.calendar"]
    assert "unknown calendar 'nowhere'" in error.value.detail


def test_a_row_without_any_calendar_is_refused() -> None:
    doc = CALENDAR + "policies:\n  default:\n    targets:\n      P2: {RESTORE: {target: 4h}}\n"
    with pytest.raises(InvalidArgument) as error:
        load_policy_set(doc)
    assert fields(error) == ["policies.default.targets.P2.RESTORE.calendar"]


@pytest.mark.parametrize(
    ("calendar", "field", "words"),
    [
        ('weekly: {mon: ["09:00-12:00", "11:30-17:30"]}', "calendars.c.weekly.mon[1]", "overlaps 09:00-12:00"),
        ('weekly: {tue: ["17:00-09:00"]}', "calendars.c.weekly.tue[0]", "ends before it starts"),
        ('weekly: {wed: ["9 to 5"]}', "calendars.c.weekly.wed[0]", "not a window"),
        ('weekly: {someday: ["09:00-17:00"]}', "calendars.c.weekly.someday.[key]", "mon"),
        ("weekly: {}", "calendars.c.weekly", "no working time at all"),
        ('weekly: {mon: ["09:00-17:00"]}\n    public_holidays: XX', "calendars.c.public_holidays", "CN"),
        (
            'weekly: {mon: ["09:00-17:00"]}\n    extra_holidays: [2027-01-30]\n    extra_working_days: [2027-01-30]',
            "calendars.c.extra_working_days",
            "2027-01-30",
        ),
    ],
)
def test_a_bad_calendar_is_refused_naming_its_field(calendar: str, field: str, words: str) -> None:
    doc = f"calendars:\n  c:\n    time_zone: Asia/Shanghai\n    {calendar}\n"
    with pytest.raises(InvalidArgument) as error:
        load_calendars(doc)
    assert field in fields(error), fields(error)
    assert words in error.value.detail


def test_an_unknown_time_zone_is_refused() -> None:
    doc = 'calendars:\n  c:\n    time_zone: Mars/Olympus\n    weekly: {mon: ["09:00-17:00"]}\n'
    with pytest.raises(InvalidArgument) as error:
        load_calendars(doc)
    assert fields(error) == ["calendars.c.time_zone"]


def test_a_missing_default_policy_and_an_unknown_priority_are_refused() -> None:
    row = "    targets:\n      P1: {RESTORE: {target: 1h, calendar: office}}\n"
    doc = CALENDAR + "default_policy: gold\npolicies:\n  silver:\n" + row
    with pytest.raises(InvalidArgument) as error:
        load_policy_set(doc)
    assert fields(error) == ["default_policy"]
    doc = CALENDAR + "policies:\n  default:\n    targets:\n      P5: {RESTORE: {target: 1h, calendar: office}}\n"
    with pytest.raises(InvalidArgument) as error:
        load_policy_set(doc)
    assert fields(error) == ["policies.default.targets.P5.[key]"]


def test_all_problems_are_reported_at_once() -> None:
    doc = (
        CALENDAR.replace('"09:00-17:30"]', '"09:00-17:30", "17:00-18:00"]')
        + """
policies:
  default:
    targets:
      P1: {FIRST_RESPONSE: {target: 5m, calendar: office, warnings: [{after: 5m}]}}
      P2: {FIRST_RESPONSE: {target: 5m, calendar: elsewhere}}
"""
    )
    with pytest.raises(InvalidArgument) as error:
        load_policy_set(doc)
    assert sorted(fields(error)) == [
        "calendars.office.weekly.tue[1]",
        "policies.default.targets.P1.FIRST_RESPONSE.warnings[0]",
        "policies.default.targets.P2.FIRST_RESPONSE.calendar",
    ]


def test_broken_yaml_is_refused() -> None:
    with pytest.raises(InvalidArgument) as error:
        load_policy_set("calendars: [unclosed", source="upload.yaml")
    assert fields(error) == ["upload.yaml"]


def test_the_export_is_plain_yaml_with_compact_durations(defaults: PolicySet) -> None:
    data = yaml.safe_load(dump_policy_set(defaults))
    row = data["policies"]["plan-001-engineer-response"]["targets"]["P1"]["FIRST_RESPONSE"]
    assert row["target"] == "1h"
    assert [w["after"] for w in row["warnings"]] == ["30m", "45m"]
    assert data["calendars"]["workdays-cn-0900-1730"]["weekly"]["sat"] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(minutes=90)),
        ("PT2H", timedelta(hours=2)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_durations(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value
    assert parse_duration(format_duration(value)) == value


def test_durations_refuse_days_and_garbage() -> None:
    for bad in ("1d", "", "h", "-5m", "5 minutes"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert format_duration(timedelta(seconds=1.5)) == "1.5s"
