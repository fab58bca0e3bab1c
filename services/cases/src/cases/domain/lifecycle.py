"""The status machine of domain.md, as a table: which action may run in which status, and where it leads.

    new ──assign──> assigned ──acknowledge──> in_progress ──resolve──> resolved ──confirm/close──> closed
    assigned/in_progress/waiting_customer/reopened ──reassign / take over──> same status, new assignee
    new ──take over──> assigned
    in_progress ──set waiting──> waiting_customer ──resume──> in_progress   (SLA clocks paused meanwhile)
    resolved ──reject──> in_progress
    closed ──reopen──> reopened ──acknowledge──> in_progress
    new/assigned/in_progress/waiting_customer ──cancel──> cancelled

`reopened` is a resting status, like `assigned` for a case coming back: the survey
(or an agent) reopens, and the case waits for the engineer's answer, so the
first-response clock restarts on reopen and stops on acknowledge, as it did the
first time. Escalation, priority changes, notes, complaints and activities keep the
status as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from aftercare_platform.errors import FailedPrecondition

from cases.domain.vocabulary import Status


class Action(StrEnum):
    ASSIGN = "assign"
    REASSIGN = "reassign"
    TAKE_OVER = "take_over"
    ACKNOWLEDGE = "acknowledge"
    CHANGE_PRIORITY = "change_priority"
    ESCALATE = "escalate"
    CONFIRM_VENDOR_ESCALATION = "confirm_vendor_escalation"
    SET_WAITING = "set_waiting_for_customer"
    RESUME = "resume"
    RECORD_ACTIVITY = "record_activity"
    ADD_NOTE = "add_note"
    CORRECT_ENTRY = "correct_entry"
    FILE_COMPLAINT = "file_complaint"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    REJECT = "reject"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"


S = Status
_WORKING = (S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.REOPENED)
_OPEN = (S.NEW, *_WORKING, S.RESOLVED)
_ALL = tuple(Status)


def _same(*statuses: Status) -> dict[Status, Status]:
    return {s: s for s in statuses}


# action -> {from status: to status}
TRANSITIONS: Mapping[Action, Mapping[Status, Status]] = {
    Action.ASSIGN: {S.NEW: S.ASSIGNED},
    Action.REASSIGN: _same(*_WORKING),
    Action.TAKE_OVER: {S.NEW: S.ASSIGNED, **_same(*_WORKING)},
    Action.ACKNOWLEDGE: {S.ASSIGNED: S.IN_PROGRESS, S.REOPENED: S.IN_PROGRESS},
    Action.CHANGE_PRIORITY: _same(*_OPEN),
    Action.ESCALATE: _same(S.NEW, *_WORKING),
    Action.CONFIRM_VENDOR_ESCALATION: _same(*_WORKING),
    Action.SET_WAITING: {S.IN_PROGRESS: S.WAITING_CUSTOMER},
    Action.RESUME: {S.WAITING_CUSTOMER: S.IN_PROGRESS},
    # after resolution only loaner returns and RMA steps (see activities.py)
    Action.RECORD_ACTIVITY: _same(*_WORKING, S.RESOLVED, S.CLOSED),
    Action.ADD_NOTE: _same(*_ALL),
    Action.CORRECT_ENTRY: _same(*_ALL),
    Action.FILE_COMPLAINT: _same(*(s for s in _ALL if s is not S.CANCELLED)),
    Action.RESOLVE: {S.IN_PROGRESS: S.RESOLVED},
    Action.CONFIRM: {S.RESOLVED: S.CLOSED},
    Action.REJECT: {S.RESOLVED: S.IN_PROGRESS},
    Action.CLOSE: {S.RESOLVED: S.CLOSED},
    Action.REOPEN: {S.CLOSED: S.REOPENED},
    Action.CANCEL: {s: S.CANCELLED for s in (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER)},
}


class InvalidTransition(FailedPrecondition):
    """The action does not apply in the case's current status."""

    code = "invalid-transition"

    def __init__(self, action: Action, current: Status, allowed: tuple[Action, ...]):
        names = ", ".join(a.value for a in allowed) or "none"
        super().__init__(
            f"cannot {action.value} a case that is {current.value}; allowed in {current.value}: {names}",
            current_status=current.value,
            attempted_action=action.value,
            allowed_actions=[a.value for a in allowed],
        )
        self.action = action
        self.current = current
        self.allowed = allowed


def allowed_actions(status: Status) -> tuple[Action, ...]:
    """Every action the status machine lets run in `status`, in declaration order."""
    return tuple(a for a in Action if status in TRANSITIONS[a])


def next_status(status: Status, action: Action) -> Status:
    """Where `action` leads from `status`; InvalidTransition when it may not run there."""
    target = TRANSITIONS[action].get(status)
    if target is None:
        raise InvalidTransition(action, status, allowed_actions(status))
    return target
