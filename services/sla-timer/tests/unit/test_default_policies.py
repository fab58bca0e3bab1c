"""Every row of the shipped policy set, checked against domain.md's table of promises."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aftercare_platform.calendar import Window
from sla_timer.domain.policy import Action, PolicySet
from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role

M = timedelta(minutes=1)
H = timedelta(hours=1)
P1, P2, P3, P4 = Priority
FR, OS, DR, RS, LN = (
    ClockKind.FIRST_RESPONSE,
    ClockKind.ON_SITE,
    ClockKind.DIAGNOSIS_REPORT,
    ClockKind.RESTORE,
    ClockKind.LOANER,
)
WA, PF, HU = ClockKind.WORKAROUND, ClockKind.PERMANENT_FIX, ClockKind.HAND_UP

# (policy, priority, clock) -> (target, calendar); every row a policy has, and only those
EXPECTED = {
    # plan 000 §1.1.8: response 5/10/20/20 min, restore 2/4/6 h/—, on site 2/3/4/4 h; loaner after 6 h of repair
    ("default", P1, FR): (5 * M, "24x7"),
    ("default", P2, FR): (10 * M, "24x7"),
    ("default", P3, FR): (20 * M, "24x7"),
    ("default", P4, FR): (20 * M, "24x7"),
    ("default", P1, RS): (2 * H, "24x7"),
    ("default", P2, RS): (4 * H, "24x7"),
    ("default", P3, RS): (6 * H, "24x7"),
    ("default", P1, OS): (2 * H, "24x7"),
    ("default", P2, OS): (3 * H, "24x7"),
    ("default", P3, OS): (4 * H, "24x7"),
    ("default", P4, OS): (4 * H, "24x7"),
    ("default", P1, LN): (6 * H, "24x7"),
    ("default", P2, LN): (6 * H, "24x7"),
    ("default", P3, LN): (6 * H, "24x7"),
    ("default", P4, LN): (6 * H, "24x7"),
    # plan 000 §1.1.6: phone response 10 min arriving 9:00-17:30 on a working day (30 min outside, see below)
    **{("plan-000-service-hours", p, FR): (10 * M, "24x7") for p in Priority},
    **{("plan-000-service-hours", p, OS): (2 * H, "24x7") for p in Priority},
    **{("plan-000-service-hours", p, LN): (6 * H, "24x7") for p in Priority},
    # plan 000 §1.1.8 in full: the default's rows (but the loaner) and the hand-up time at once/10/20/20 min
    **{("plan-000-emergency-response", p, k): v for (n, p, k), v in [
        (("default", P1, FR), (5 * M, "24x7")), (("default", P2, FR), (10 * M, "24x7")),
        (("default", P3, FR), (20 * M, "24x7")), (("default", P4, FR), (20 * M, "24x7")),
        (("default", P1, RS), (2 * H, "24x7")), (("default", P2, RS), (4 * H, "24x7")),
        (("default", P3, RS), (6 * H, "24x7")),
        (("default", P1, OS), (2 * H, "24x7")), (("default", P2, OS), (3 * H, "24x7")),
        (("default", P3, OS), (4 * H, "24x7")), (("default", P4, OS), (4 * H, "24x7")),
        (("default", P1, HU), (M, "24x7")), (("default", P2, HU), (10 * M, "24x7")),
        (("default", P3, HU), (20 * M, "24x7")), (("default", P4, HU), (20 * M, "24x7")),
    ]},
    # plan 002 §3.1.4: a workaround first (000's restore times), the permanent fix at P1 in 12 h (003 §5.5)
    ("plan-002-restore-first", P1, WA): (2 * H, "24x7"),
    ("plan-002-restore-first", P2, WA): (4 * H, "24x7"),
    ("plan-002-restore-first", P3, WA): (6 * H, "24x7"),
    ("plan-002-restore-first", P1, PF): (12 * H, "24x7"),
    # plan 000 §1.1.2: response 30 min; report —/2/4/4 h; on site 30 min/2/2/2 h
    ("plan-000-fault-levels", P1, FR): (30 * M, "24x7"),
    ("plan-000-fault-levels", P2, FR): (30 * M, "24x7"),
    ("plan-000-fault-levels", P3, FR): (30 * M, "24x7"),
    ("plan-000-fault-levels", P4, FR): (30 * M, "24x7"),
    ("plan-000-fault-levels", P2, DR): (2 * H, "24x7"),
    ("plan-000-fault-levels", P3, DR): (4 * H, "24x7"),
    ("plan-000-fault-levels", P4, DR): (4 * H, "24x7"),
    ("plan-000-fault-levels", P1, OS): (30 * M, "24x7"),
    ("plan-000-fault-levels", P2, OS): (2 * H, "24x7"),
    ("plan-000-fault-levels", P3, OS): (2 * H, "24x7"),
    ("plan-000-fault-levels", P4, OS): (2 * H, "24x7"),
    # plan 000 §1.1.7: resolved within 2/4/6/8 h
    ("plan-000-resolve", P1, RS): (2 * H, "24x7"),
    ("plan-000-resolve", P2, RS): (4 * H, "24x7"),
    ("plan-000-resolve", P3, RS): (6 * H, "24x7"),
    ("plan-000-resolve", P4, RS): (8 * H, "24x7"),
    # plan 001 §4.2: the engineer answers within 1 h
    ("plan-001-engineer-response", P1, FR): (H, "24x7"),
    ("plan-001-engineer-response", P2, FR): (H, "24x7"),
    ("plan-001-engineer-response", P3, FR): (H, "24x7"),
    ("plan-001-engineer-response", P4, FR): (H, "24x7"),
    # plan 003 §2(3): 24x7 reply 2 h, on site 24 h; 9:00-21:30 daily reply 4 h
    ("plan-003-service-tiers", P1, FR): (2 * H, "24x7"),
    ("plan-003-service-tiers", P1, OS): (24 * H, "24x7"),
    ("plan-003-service-tiers", P2, FR): (4 * H, "daily-0900-2130"),
    # plan 003 §3: catastrophic on site 1 h, diagnosis 8 h; serious 30 min / 2 h / 24 h; general 30 min / 4 h
    ("plan-003-severity", P1, OS): (H, "24x7"),
    ("plan-003-severity", P1, DR): (8 * H, "24x7"),
    ("plan-003-severity", P2, FR): (30 * M, "24x7"),
    ("plan-003-severity", P2, OS): (2 * H, "24x7"),
    ("plan-003-severity", P2, DR): (24 * H, "24x7"),
    ("plan-003-severity", P3, FR): (30 * M, "24x7"),
    ("plan-003-severity", P3, OS): (4 * H, "24x7"),
    ("plan-003-severity", P4, FR): (30 * M, "24x7"),
    ("plan-003-severity", P4, OS): (4 * H, "24x7"),
    # plan 004 §1.3.1: response 15 min; fix 24 h extra-serious, 4 h serious, 2 h major, 1 h ordinary
    ("plan-004-fix-times", P1, FR): (15 * M, "24x7"),
    ("plan-004-fix-times", P2, FR): (15 * M, "24x7"),
    ("plan-004-fix-times", P3, FR): (15 * M, "24x7"),
    ("plan-004-fix-times", P4, FR): (15 * M, "24x7"),
    ("plan-004-fix-times", P1, RS): (24 * H, "24x7"),
    ("plan-004-fix-times", P2, RS): (4 * H, "24x7"),
    ("plan-004-fix-times", P3, RS): (2 * H, "24x7"),
    ("plan-004-fix-times", P4, RS): (H, "24x7"),
}


def test_the_default_set_has_exactly_the_expected_policies_and_rows(defaults: PolicySet) -> None:
    assert defaults.default_policy == "default"
    actual = {
        (name, priority, kind): (target.target, target.calendar)
        for name, policy in defaults.policies.items()
        for priority, kind, target in policy.rows()
    }
    assert actual == EXPECTED


@pytest.mark.parametrize(("row", "expected"), sorted(EXPECTED.items()))
def test_each_row(defaults: PolicySet, row, expected) -> None:  # type: ignore[no-untyped-def]
    name, priority, kind = row
    target = defaults.policy(name).target_for(priority, kind)
    assert target is not None
    assert (target.target, target.calendar) == expected
    # every row warns before its deadline and tells the supervisor by SMS and email at breach
    assert target.warnings
    assert all(timedelta(0) < offset < target.target for offset in target.warning_offsets())
    assert Action.notify(Role.SUPERVISOR) in target.breach_actions


def test_the_percent_reminders_of_the_default_policy(defaults: PolicySet) -> None:
    response = defaults.policy("default").target_for(P1, FR)
    assert response is not None
    assert [w.label for w in response.warnings] == ["50%", "75%"]
    # 50 % and 75 % of 5 min
    assert response.warning_offsets() == (timedelta(seconds=150), timedelta(seconds=225))
    assert [a.kind for a in response.breach_actions] == [ActionKind.NOTIFY, ActionKind.ESCALATE]


def test_plan_001_reminds_at_30_and_45_minutes_and_reassigns_after_45(defaults: PolicySet) -> None:
    response = defaults.policy("plan-001-engineer-response").target_for(P3, FR)
    assert response is not None
    assert response.target == H
    assert response.warning_offsets() == (30 * M, 45 * M)
    first, second = response.warnings
    assert first.actions == (Action.notify(Role.ASSIGNEE, Role.DESK_AGENT),)
    assert Action.reassign() in second.actions
    assert Action.notify(Role.ASSIGNEE, Role.DESK_AGENT) in second.actions
    assert response.breach_actions == (Action.notify(Role.SUPERVISOR), Action.escalate(1))
    assert Action.notify(Role.SUPERVISOR).channels == (Channel.SMS, Channel.EMAIL)


def test_the_three_calendars_of_plan_003(defaults: PolicySet) -> None:
    always = defaults.calendar("24x7")
    daily = defaults.calendar("daily-0900-2130")
    workdays = defaults.calendar("workdays-cn-0900-1730")
    assert {c.time_zone for c in (always, daily, workdays)} == {"Asia/Shanghai"}
    assert always.is_continuous
    assert daily.weekly == ((Window.parse("09:00-21:30"),),) * 7
    assert daily.public_holidays is None
    assert workdays.weekly == ((Window.parse("09:00-17:30"),),) * 5 + ((), ())
    assert workdays.public_holidays == "CN"
    assert workdays.windows_on(date(2026, 2, 14)) == (Window.parse("09:00-17:30"),)
    assert workdays.windows_on(date(2026, 10, 1)) == ()


def test_contracts_fall_back_to_the_default_policy(defaults: PolicySet) -> None:
    assert defaults.policy_for_contract("plan-004-fix-times").name == "plan-004-fix-times"
    assert defaults.policy_for_contract(None).name == "default"
    assert defaults.policy_for_contract("no-such-policy").name == "default"
