"""Who may do what to a case. Reading (who may see a case at all) lives in visibility.py.

Beyond this table a few rules depend on the case and are checked by the command:
engineers and experts acknowledge and resolve only what is assigned to them; an
external actor's notes are always public; only a supervisor (or admin) acts on a
complaint about the engineer; only an expert (or admin) confirms an escalation to
the original vendor.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from aftercare_platform.errors import PermissionDenied

from cases.domain.actors import Actor, Role
from cases.domain.lifecycle import Action

R = Role


class Command(StrEnum):
    """What an actor may be allowed to do: every lifecycle action plus opening a case."""

    OPEN = "open"


_STAFF_ON_CASE = frozenset({R.ENGINEER, R.EXPERT})
_EXTERNAL = frozenset({R.CUSTOMER, R.PARTNER})

# admin may do everything and is added to every row below
ROLES_FOR: Mapping[Action | Command, frozenset[Role]] = {
    Command.OPEN: frozenset({R.AGENT, R.PARTNER, R.SYSTEM, R.SUPERVISOR}),
    Action.ASSIGN: frozenset({R.AGENT, R.SUPERVISOR, R.SYSTEM}),
    Action.REASSIGN: frozenset({R.AGENT, R.SUPERVISOR, R.SYSTEM}),
    Action.TAKE_OVER: _STAFF_ON_CASE,
    Action.ACKNOWLEDGE: _STAFF_ON_CASE,
    Action.CHANGE_PRIORITY: frozenset({R.AGENT, R.SUPERVISOR}),
    Action.ESCALATE: _STAFF_ON_CASE | {R.SUPERVISOR, R.SYSTEM},
    Action.CONFIRM_VENDOR_ESCALATION: frozenset({R.EXPERT}),
    Action.SET_WAITING: _STAFF_ON_CASE | {R.AGENT},
    # the customer's answer ends the wait (domain.commands.replies)
    Action.RESUME: _STAFF_ON_CASE | _EXTERNAL | {R.AGENT, R.SYSTEM},
    Action.RECORD_ACTIVITY: _STAFF_ON_CASE | {R.SYSTEM},
    Action.ADD_NOTE: frozenset(Role),
    Action.CORRECT_ENTRY: frozenset(Role),
    Action.FILE_COMPLAINT: _EXTERNAL | {R.AGENT, R.SUPERVISOR},
    Action.RESOLVE: _STAFF_ON_CASE,
    Action.CONFIRM: _EXTERNAL | {R.AGENT},
    Action.REJECT: _EXTERNAL | {R.AGENT},
    Action.CLOSE: frozenset({R.AGENT, R.SUPERVISOR}),
    # a customer reopens within the reopen window (domain.commands.replies)
    Action.REOPEN: _EXTERNAL | {R.AGENT, R.SUPERVISOR, R.SYSTEM},
    Action.CANCEL: frozenset({R.AGENT, R.SUPERVISOR, R.SYSTEM}),
}


def may(actor: Actor, what: Action | Command) -> bool:
    return actor.role is Role.ADMIN or actor.role in ROLES_FOR[what]


def require_role(actor: Actor, what: Action | Command) -> None:
    if not may(actor, what):
        raise PermissionDenied(
            f"a {actor.role.value} may not {what.value.replace('_', ' ')}",
            role=actor.role.value,
            action=what.value,
        )


def require_assignee(actor: Actor, assignee: str | None, what: Action) -> None:
    """Engineers and experts act on their own cases only; others with the role may act on any."""
    if actor.role in _STAFF_ON_CASE and actor.subject != assignee:
        raise PermissionDenied(
            f"only the assignee may {what.value.replace('_', ' ')}; take the case over first",
            action=what.value,
        )
