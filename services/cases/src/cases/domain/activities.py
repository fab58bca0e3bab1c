"""Work recorded on a case: calls, visits, remote sessions, RMA steps, diagnosis reports, loaners.

A remote session is recorded only with the customer's permission given and the
log of every command sent; that log travels with the fault report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from aftercare_platform.errors import FailedPrecondition, InvalidArgument

from cases.domain.case import Case
from cases.domain.text import COMMAND_LOG_MAX, LONG_TEXT_MAX, SHORT_TEXT_MAX, optional_text, required_text, text_list
from cases.domain.timeline import canonical_time
from cases.domain.vocabulary import Status, Visibility


class ActivityKind(StrEnum):
    PHONE_CALL = "phone_call"
    ON_SITE_VISIT = "on_site_visit"
    REMOTE_SESSION = "remote_session"
    RMA_STEP = "rma_step"
    DIAGNOSIS_REPORT = "diagnosis_report"
    LOANER_ISSUED = "loaner_issued"
    LOANER_RETURNED = "loaner_returned"
    # service restored by a workaround, the fault not yet fixed for good (stops sla-timer's workaround clock)
    WORKAROUND = "workaround"
    PARTICIPANT_ADDED = "participant_added"  # an expert joins; the assignee stays


# what may still happen once the case is resolved or closed: hardware comes back
AFTER_RESOLUTION = frozenset({ActivityKind.RMA_STEP, ActivityKind.LOANER_RETURNED})


@dataclass(frozen=True)
class Activity:
    kind: ActivityKind
    summary: str
    occurred_at: datetime | None = None  # when it happened, if not when it is recorded
    visibility: Visibility = Visibility.PUBLIC
    site: str | None = None  # on-site visit
    permission_given: bool = False  # remote session: the customer said yes first
    command_log: tuple[str, ...] = ()  # remote session: every command sent
    rma_number: str | None = None  # RMA step
    rma_step: str | None = None  # RMA step: received, sent to vendor, replaced, returned, ...
    device_serial: str | None = None  # loaner issued / returned
    device_class: str | None = None  # loaner issued: at least the class of the faulty one
    participant_id: str | None = None  # participant added: who joins
    participant_role: str | None = None  # participant added: as what ("expert")

    def validated(self, field: str = "activity") -> Activity:
        summary = required_text(f"{field}.summary", self.summary, LONG_TEXT_MAX)
        checked = replace(self, summary=summary, site=optional_text(f"{field}.site", self.site, 1_000))
        if self.occurred_at is not None and self.occurred_at.tzinfo is None:
            raise InvalidArgument.for_field(f"{field}.occurred_at", "must carry a time zone")
        if self.kind is ActivityKind.REMOTE_SESSION:
            if self.permission_given is not True:
                raise InvalidArgument.for_field(
                    f"{field}.permission_given", "a remote session needs the customer's permission first"
                )
            log = text_list(f"{field}.command_log", self.command_log, max_items=COMMAND_LOG_MAX, max_len=LONG_TEXT_MAX)
            if not log:
                raise InvalidArgument.for_field(f"{field}.command_log", "every command sent must be logged")
            checked = replace(checked, command_log=log)
        elif self.command_log:
            raise InvalidArgument.for_field(f"{field}.command_log", "only a remote session has a command log")
        if self.kind is ActivityKind.RMA_STEP:
            checked = replace(
                checked,
                rma_step=required_text(f"{field}.rma_step", self.rma_step),
                rma_number=optional_text(f"{field}.rma_number", self.rma_number),
            )
        if self.kind in (ActivityKind.LOANER_ISSUED, ActivityKind.LOANER_RETURNED):
            checked = replace(checked, device_serial=required_text(f"{field}.device_serial", self.device_serial))
        if self.kind is ActivityKind.LOANER_ISSUED:
            checked = replace(
                checked, device_class=required_text(f"{field}.device_class", self.device_class, SHORT_TEXT_MAX)
            )
        if self.kind is ActivityKind.PARTICIPANT_ADDED:
            checked = replace(
                checked,
                participant_id=required_text(f"{field}.participant_id", self.participant_id, SHORT_TEXT_MAX),
                participant_role=optional_text(f"{field}.participant_role", self.participant_role, SHORT_TEXT_MAX),
            )
        elif self.participant_id:
            raise InvalidArgument.for_field(f"{field}.participant_id", "only a participant_added activity names one")
        return checked

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"kind": self.kind.value, "summary": self.summary}
        if self.occurred_at is not None:
            payload["occurred_at"] = canonical_time(self.occurred_at)
        optional = {
            "site": self.site,
            "rma_number": self.rma_number,
            "rma_step": self.rma_step,
            "device_serial": self.device_serial,
            "device_class": self.device_class,
            "participant_id": self.participant_id,
            "participant_role": self.participant_role,
        }
        payload.update({k: v for k, v in optional.items() if v is not None})
        if self.kind is ActivityKind.REMOTE_SESSION:
            payload["permission_given"] = True
            payload["command_log"] = list(self.command_log)
        return payload


def check_activity_applies(case: Case, activity: Activity) -> None:
    """The case-dependent rules of an activity (the status machine already allowed recording one)."""
    if case.status in (Status.RESOLVED, Status.CLOSED) and activity.kind not in AFTER_RESOLUTION:
        raise FailedPrecondition(
            f"a {case.status.value} case takes only RMA steps and loaner returns, not a {activity.kind.value}",
            current_status=case.status.value,
        )
    if activity.kind is ActivityKind.RMA_STEP and not case.rma:
        raise FailedPrecondition("the case is not on the RMA path; escalate it to RMA first")
    if activity.kind is ActivityKind.LOANER_ISSUED and activity.device_serial in case.open_loaners:
        raise FailedPrecondition(f"loaner {activity.device_serial} is already out with this case")
    if activity.kind is ActivityKind.LOANER_RETURNED and activity.device_serial not in case.open_loaners:
        raise FailedPrecondition(f"loaner {activity.device_serial} was not issued on this case or is back")
    joined = (*case.participants, case.assignee)
    if activity.kind is ActivityKind.PARTICIPANT_ADDED and activity.participant_id in joined:
        raise FailedPrecondition(f"{activity.participant_id} already works on this case")


def apply_activity(case: Case, activity: Activity, at: datetime) -> Case:
    """The case after the activity: loaners tracked, first diagnosis time kept, command log attached."""
    if activity.kind is ActivityKind.LOANER_ISSUED:
        return replace(case, open_loaners=(*case.open_loaners, str(activity.device_serial)))
    if activity.kind is ActivityKind.LOANER_RETURNED:
        return replace(case, open_loaners=tuple(s for s in case.open_loaners if s != activity.device_serial))
    if activity.kind is ActivityKind.PARTICIPANT_ADDED:
        return replace(case, participants=(*case.participants, str(activity.participant_id)))
    if activity.kind is ActivityKind.REMOTE_SESSION:
        return replace(case, remote_command_log=(*case.remote_command_log, *activity.command_log))
    if activity.kind is ActivityKind.DIAGNOSIS_REPORT and case.diagnosed_at is None:
        return replace(case, diagnosed_at=activity.occurred_at or at)
    return case
