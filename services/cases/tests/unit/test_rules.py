"""The rules of domain.md beyond the status machine: complaints, vendor escalation, reasons,
fault reports, activities (opening and cancelling: test_opening_and_cancel.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from cases.domain import commands
from cases.domain.activities import Activity, ActivityKind
from cases.domain.case import Case, FaultReport
from cases.domain.vocabulary import CancelReason, ComplaintAbout, Priority, Status, Tier, Visibility


def field_of(error: pytest.ExceptionInfo[InvalidArgument]) -> str:
    return error.value.violations[0].field


# --- complaints ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [(Priority.P4, Priority.P3), (Priority.P3, Priority.P2), (Priority.P2, Priority.P1), (Priority.P1, Priority.P1)],
)
def test_a_complaint_about_the_fix_raises_priority_one_step(
    before: Priority, after: Priority, case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS, priority=before)
    filed = commands.file_complaint(case, people.customer, case.updated_at, about=ComplaintAbout.FIX, text="slow")
    assert filed.case.priority is after
    assert filed.case.complaints[0].about is ComplaintAbout.FIX
    names = [e.name for e in filed.events]
    if before is Priority.P1:
        assert names == ["complaint_filed"], "P1 stays P1: no priority change to announce"
    else:
        assert names == ["complaint_filed", "priority_changed"]
        assert filed.event("priority_changed").payload["previous_priority"] == before.value
        assert [e.kind for e in filed.entries] == ["complaint_filed", "priority_changed"]
    assert not filed.case.flags.supervisor_review


def test_a_complaint_about_the_engineer_goes_to_the_supervisor(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS)
    filed = commands.file_complaint(case, people.customer, case.updated_at, about=ComplaintAbout.ENGINEER, text="rude")
    assert filed.case.priority is case.priority
    assert filed.case.flags.supervisor_review
    payload = filed.event("complaint_filed").payload
    assert payload["needs_supervisor"] is True and payload["engineer_id"] == "eng-1"
    assert payload["complaint_sequence"] == 1

    # the agent may reassign, but only a supervisor replaces the engineer *on the complaint*
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        commands.reassign(filed.case, people.agent, case.updated_at, assignee="eng-2", reason="x", complaint_sequence=1)
    with pytest.raises(InvalidArgument) as no_reason:
        commands.reassign(filed.case, people.supervisor, case.updated_at, assignee="eng-2", complaint_sequence=1)
    assert field_of(no_reason) == "reason"
    with pytest.raises(NotFound):
        commands.reassign(
            filed.case, people.supervisor, case.updated_at, assignee="eng-2", reason="x", complaint_sequence=7
        )

    replaced = commands.reassign(
        filed.case,
        people.supervisor,
        case.updated_at,
        assignee="eng-2",
        reason="complaint upheld",
        complaint_sequence=1,
    )
    assert replaced.case.assignee == "eng-2"
    assert replaced.case.status is Status.IN_PROGRESS
    assert not replaced.case.flags.supervisor_review
    assert replaced.case.complaints[0].handled_by == "sup-1"
    assert replaced.event("assigned").payload["method"] == "replace_on_complaint"
    with pytest.raises(FailedPrecondition, match="not an open complaint"):
        commands.reassign(
            replaced.case, people.supervisor, case.updated_at, assignee="eng-1", reason="x", complaint_sequence=1
        )


def test_complaints_are_numbered_and_need_text(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.CLOSED)
    first = commands.file_complaint(case, people.customer, case.updated_at, about=ComplaintAbout.FIX, text="late")
    second = commands.file_complaint(first.case, people.agent, case.updated_at, about=ComplaintAbout.ENGINEER, text="x")
    assert [c.sequence for c in second.case.complaints] == [1, 2]
    with pytest.raises(InvalidArgument) as empty:
        commands.file_complaint(case, people.customer, case.updated_at, about=ComplaintAbout.FIX, text="  ")
    assert field_of(empty) == "text"


# --- escalation ---------------------------------------------------------------------------


def test_escalation_climbs_the_tiers_and_the_vendor_needs_an_expert(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS)
    at = case.updated_at
    assert case.tier is Tier.DESK
    to_engineer = commands.escalate(case, people.engineer, at, reason="defect")
    to_expert = commands.escalate(to_engineer.case, people.engineer, at, reason="needs 会诊")
    assert to_expert.case.tier is Tier.EXPERT_PANEL
    payload = to_expert.event("escalated").payload
    assert (payload["from_tier"], payload["to_tier"], payload["tier"]) == ("engineer", "expert_panel", "expert_panel")

    with pytest.raises(FailedPrecondition, match="expert's confirmation"):
        commands.escalate(to_expert.case, people.expert, at, reason="vendor firmware")
    with pytest.raises(PermissionDenied):
        commands.confirm_vendor_escalation(to_expert.case, people.engineer, at, reason="firmware")
    with pytest.raises(InvalidArgument):
        commands.confirm_vendor_escalation(to_expert.case, people.expert, at, reason="")
    confirmed = commands.confirm_vendor_escalation(to_expert.case, people.expert, at, reason="firmware bug")
    assert confirmed.case.vendor_escalation_confirmed_by == "expert-1"
    assert confirmed.entries[0].visibility is Visibility.INTERNAL
    with pytest.raises(FailedPrecondition, match="already confirmed"):
        commands.confirm_vendor_escalation(confirmed.case, people.expert, at, reason="again")

    to_vendor = commands.escalate(confirmed.case, people.expert, at, reason="vendor firmware")
    assert to_vendor.case.tier is Tier.ORIGINAL_VENDOR
    with pytest.raises(FailedPrecondition, match="last tier"):
        commands.escalate(to_vendor.case, people.expert, at, reason="more")


def test_skipping_straight_to_the_vendor_still_needs_the_expert(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS)
    with pytest.raises(FailedPrecondition, match="expert's confirmation"):
        commands.escalate(case, people.supervisor, case.updated_at, reason="x", to_tier=Tier.ORIGINAL_VENDOR)
    with pytest.raises(InvalidArgument) as down:
        commands.escalate(case, people.supervisor, case.updated_at, reason="x", to_tier=Tier.DESK)
    assert field_of(down) == "to_tier"


def test_an_expert_confirms_only_at_the_expert_panel(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    with pytest.raises(FailedPrecondition, match="expert panel"):
        commands.confirm_vendor_escalation(case, people.expert, case.updated_at, reason="x")


def test_rma_is_a_separate_path(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    step = Activity(ActivityKind.RMA_STEP, "board received", rma_step="received")
    with pytest.raises(FailedPrecondition, match="RMA"):
        commands.record_activity(case, people.engineer, case.updated_at, activity=step)
    rma = commands.escalate(case, people.engineer, case.updated_at, reason="power board dead", to_rma=True)
    assert rma.case.rma and rma.case.tier is Tier.DESK
    assert rma.event("escalated").payload["to_rma"] is True
    with pytest.raises(FailedPrecondition, match="already on the RMA path"):
        commands.escalate(rma.case, people.engineer, case.updated_at, reason="again", to_rma=True)
    with pytest.raises(InvalidArgument):
        commands.escalate(case, people.engineer, case.updated_at, reason="x", to_rma=True, to_tier=Tier.EXPERT_PANEL)
    assert commands.record_activity(rma.case, people.engineer, case.updated_at, activity=step).case.rma


# --- reasons ------------------------------------------------------------------------------


REASONED = {
    "change_priority": (
        Status.IN_PROGRESS,
        lambda c, p, r: commands.change_priority(c, p.agent, c.updated_at, priority=Priority.P1, reason=r),
    ),
    "reopen": (Status.CLOSED, lambda c, p, r: commands.reopen(c, p.system, c.updated_at, reason=r)),
    "cancel": (
        Status.NEW,
        lambda c, p, r: commands.cancel(c, p.agent, c.updated_at, reason=CancelReason.NOT_OURS, text=r),
    ),
    "reject": (Status.RESOLVED, lambda c, p, r: commands.reject(c, p.customer, c.updated_at, reason=r)),
    "escalate": (Status.IN_PROGRESS, lambda c, p, r: commands.escalate(c, p.engineer, c.updated_at, reason=r)),
}


@pytest.mark.parametrize("command", list(REASONED))
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(
    command: str, reason: str | None, case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    status, run = REASONED[command]
    with pytest.raises(InvalidArgument) as missing:
        run(case_in(status), people, reason)
    assert field_of(missing) in ("reason", "text")
    assert "is required" in missing.value.detail


@pytest.mark.parametrize("command", list(REASONED))
def test_the_reason_is_recorded(command: str, case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    status, run = REASONED[command]
    decision = run(case_in(status), people, "  because  ")
    assert any(v == "because" for e in decision.events for v in e.payload.values())
    assert any(v == "because" for e in decision.entries for v in e.payload.values())


def test_an_oversized_reason_is_refused(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.CLOSED)
    with pytest.raises(InvalidArgument, match="at most 2000 characters"):
        commands.reopen(case, people.agent, case.updated_at, reason="x" * 2001)


# --- resolve ------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["cause", "method", "result", "prevention"])
def test_resolve_needs_all_four_parts_of_the_fault_report(
    missing: str, case_in: Callable[..., Case], people: SimpleNamespace, fault_report: FaultReport
) -> None:
    case = case_in(Status.IN_PROGRESS)
    with pytest.raises(InvalidArgument) as refused:
        commands.resolve(case, people.engineer, case.updated_at, fault_report=replace(fault_report, **{missing: " "}))
    assert field_of(refused) == f"fault_report.{missing}"


def test_resolve_attaches_the_remote_command_log(
    case_in: Callable[..., Case], people: SimpleNamespace, fault_report: FaultReport
) -> None:
    case = case_in(Status.IN_PROGRESS)
    session = Activity(
        ActivityKind.REMOTE_SESSION,
        "restarted the NVR service",
        permission_given=True,
        command_log=("systemctl status nvr", "systemctl restart nvr"),
    )
    worked = commands.record_activity(case, people.engineer, case.updated_at, activity=session)
    resolved = commands.resolve(worked.case, people.engineer, case.updated_at + timedelta(1), fault_report=fault_report)
    assert resolved.case.resolved_at == case.updated_at + timedelta(1)
    assert resolved.case.fault_report is not None
    assert resolved.case.fault_report.command_log == ("systemctl status nvr", "systemctl restart nvr")
    assert resolved.event("resolved").payload["fault_report"]["cause"] == "PoE switch port failed"


# --- activities ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "field"),
    [
        (
            Activity(ActivityKind.REMOTE_SESSION, "x", permission_given=False, command_log=("ls",)),
            "activity.permission_given",
        ),
        (Activity(ActivityKind.REMOTE_SESSION, "x", permission_given=True), "activity.command_log"),
        (Activity(ActivityKind.PHONE_CALL, "x", command_log=("ls",)), "activity.command_log"),
        (Activity(ActivityKind.PHONE_CALL, " "), "activity.summary"),
        (Activity(ActivityKind.LOANER_ISSUED, "x", device_class="NVR"), "activity.device_serial"),
        (Activity(ActivityKind.LOANER_ISSUED, "x", device_serial="L-1"), "activity.device_class"),
        (Activity(ActivityKind.RMA_STEP, "x"), "activity.rma_step"),
    ],
)
def test_activities_are_checked(
    activity: Activity, field: str, case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = replace(case_in(Status.IN_PROGRESS), rma=True)
    with pytest.raises(InvalidArgument) as refused:
        commands.record_activity(case, people.engineer, case.updated_at, activity=activity)
    assert field_of(refused) == field


def test_a_diagnosis_report_is_announced_and_timed(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    at = case.updated_at + timedelta(hours=1)
    report = Activity(ActivityKind.DIAGNOSIS_REPORT, "switch port 3 is dead")
    first = commands.record_activity(case, people.engineer, at, activity=report)
    assert first.case.diagnosed_at == at
    assert [e.name for e in first.events] == ["activity_recorded", "diagnosis_reported"]
    assert first.event("diagnosis_reported").payload["first_report"] is True
    second = commands.record_activity(first.case, people.engineer, at + timedelta(hours=1), activity=report)
    assert second.case.diagnosed_at == at


def test_loaners_are_tracked_until_returned(
    case_in: Callable[..., Case], people: SimpleNamespace, fault_report
) -> None:
    case = case_in(Status.IN_PROGRESS)
    at = case.updated_at
    issued = commands.record_activity(
        case,
        people.engineer,
        at,
        activity=Activity(ActivityKind.LOANER_ISSUED, "spare NVR", device_serial="L-1", device_class="NVR-16"),
    )
    assert issued.case.open_loaners == ("L-1",)
    with pytest.raises(FailedPrecondition, match="already out"):
        commands.record_activity(
            issued.case,
            people.engineer,
            at,
            activity=Activity(ActivityKind.LOANER_ISSUED, "again", device_serial="L-1", device_class="NVR-16"),
        )
    resolved = commands.resolve(issued.case, people.engineer, at, fault_report=fault_report)
    with pytest.raises(FailedPrecondition, match="only RMA steps and loaner returns"):
        commands.record_activity(resolved.case, people.engineer, at, activity=Activity(ActivityKind.PHONE_CALL, "hi"))
    back = Activity(ActivityKind.LOANER_RETURNED, "collected", device_serial="L-1")
    returned = commands.record_activity(resolved.case, people.engineer, at, activity=back)
    assert returned.case.open_loaners == ()
    with pytest.raises(FailedPrecondition, match="not issued"):
        commands.record_activity(returned.case, people.engineer, at, activity=back)
