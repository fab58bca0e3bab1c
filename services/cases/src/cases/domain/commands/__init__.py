"""Commands: pure functions `(case, actor, at, *, arguments) -> Decision`.

Each checks, in order, that the actor may see the case (CaseNotFound), holds a role
that may act (PermissionDenied), that the action runs in the case's status
(InvalidTransition), then its arguments (InvalidArgument) and the case-specific
rules (FailedPrecondition). The Decision holds the new case (version + 1), the
events to put in the outbox and the timeline drafts to seal onto the chain.
"""

from cases.domain.commands.assignment import acknowledge, assign, reassign, take_over
from cases.domain.commands.closing import cancel, close, confirm, reject, reopen, resolve
from cases.domain.commands.complaints import file_complaint
from cases.domain.commands.handling import (
    change_priority,
    confirm_vendor_escalation,
    escalate,
    resume,
    set_waiting_for_customer,
)
from cases.domain.commands.opening import NewCase, admissible, open_case
from cases.domain.commands.recording import add_note, correct_entry, record_activity, record_fact
from cases.domain.commands.replies import ReplyPolicy, apply_policy, customer_reopen, follow_up_opened, note

__all__ = [
    "NewCase",
    "ReplyPolicy",
    "acknowledge",
    "add_note",
    "admissible",
    "apply_policy",
    "assign",
    "cancel",
    "change_priority",
    "close",
    "confirm",
    "confirm_vendor_escalation",
    "correct_entry",
    "customer_reopen",
    "escalate",
    "file_complaint",
    "follow_up_opened",
    "note",
    "open_case",
    "reassign",
    "record_activity",
    "record_fact",
    "reject",
    "reopen",
    "resolve",
    "resume",
    "set_waiting_for_customer",
    "take_over",
]
