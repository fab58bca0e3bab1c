"""Issue 10: "notify the assignee" on an unassigned case addresses the desk; an empty report is not 100 %;
the report's chart (SVG) shows each group's met and breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from sla_timer.adapters.sla_events import CaseRef, fired_events
from sla_timer.domain.clock import fire_due, start_clock
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.report import Report, ReportRow
from sla_timer.domain.report_chart import compliance_svg
from sla_timer.domain.vocabulary import ClockKind, Priority

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def _roles_fired(defaults: PolicySet, case: CaseRef) -> list[list[str]]:
    policy = defaults.policy("default")
    clock = start_clock(
        None, case_id="case-1", kind=ClockKind.FIRST_RESPONSE, at=T0, priority=Priority.P1, policy=policy.name,
        target=policy.target_for(Priority.P1, ClockKind.FIRST_RESPONSE), calendars=defaults.calendars,
    ).clock  # fmt: skip
    fired = fire_due(clock, now=T0 + timedelta(hours=1), calendars=defaults.calendars)
    events = fired_events(clock, fired.fired, case)
    return [sorted(role for a in payload.get("actions", []) for role in a.get("roles", [])) for _, payload in events]


def test_notify_the_assignee_of_an_unassigned_case_addresses_the_desk(defaults: PolicySet) -> None:
    unassigned = _roles_fired(defaults, CaseRef("EA-20260309-000001", "east", "company-a"))
    # default policy: 50 % -> assignee; 75 % -> assignee and desk agent; breach -> supervisor
    assert unassigned == [
        ["NOTIFY_ROLE_DESK_AGENT"],
        ["NOTIFY_ROLE_DESK_AGENT"],
        ["NOTIFY_ROLE_SUPERVISOR"],
    ]
    assigned = _roles_fired(defaults, CaseRef("EA-20260309-000001", "east", "company-a", assignee_id="eng-1"))
    assert assigned[0] == ["NOTIFY_ROLE_ASSIGNEE"]
    assert assigned[1] == ["NOTIFY_ROLE_ASSIGNEE", "NOTIFY_ROLE_DESK_AGENT"]


def test_an_empty_report_has_no_percentage() -> None:
    empty = Report()
    assert (empty.compliance_percent, empty.empty) == (None, True)
    chart = compliance_svg(empty, by="priority")
    assert "100" not in chart and "nothing counted" in chart
    ElementTree.fromstring(chart)  # well-formed


def test_the_chart_has_a_bar_per_group_with_its_counts() -> None:
    report = Report([
        ReportRow("company-a", "east", Priority.P1, ClockKind.FIRST_RESPONSE, "2026-03", 3, 1, "eng-1"),
        ReportRow("company-a", "east", Priority.P1, ClockKind.RESTORE, "2026-03", 1, 0, "eng-2"),
        ReportRow("company-a", "east", Priority.P2, ClockKind.RESTORE, "2026-03", 0, 2, ""),
    ])  # fmt: skip
    by_priority = ElementTree.fromstring(compliance_svg(report, by="priority"))
    bars = {g.get("data-value"): (g.get("data-met"), g.get("data-breached")) for g in by_priority.iter(f"{SVG}g")}
    assert bars == {"P1": ("4", "1"), "P2": ("0", "2")}
    by_engineer = ElementTree.fromstring(compliance_svg(report, by="engineer"))
    assert {g.get("data-value") for g in by_engineer.iter(f"{SVG}g")} == {"eng-1", "eng-2", "(desk)"}
    assert report.compliance_percent == 57.14
