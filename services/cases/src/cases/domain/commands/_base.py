"""The steps every command shares: see the case, hold the role, be in a status where the action runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from cases.domain.actors import Actor
from cases.domain.case import Case
from cases.domain.lifecycle import Action, next_status
from cases.domain.permissions import require_role
from cases.domain.text import REASON_MAX, optional_text, require_aware, required_text
from cases.domain.visibility import require_visible
from cases.domain.vocabulary import Status


def begin(case: Case, actor: Actor, at: datetime, action: Action) -> Status:
    """The status `action` leads to, after checking in order: visibility (NOT_FOUND),
    role (PERMISSION_DENIED), status (FAILED_PRECONDITION: InvalidTransition)."""
    require_aware("at", at)
    require_visible(case, actor)
    require_role(actor, action)
    return next_status(case.status, action)


def advance(case: Case, at: datetime, status: Status, **changes: Any) -> Case:
    """The case in `status` with `changes`, stamped `at`, one version on."""
    return replace(case, status=status, updated_at=at, version=case.version + 1, **changes)


def reason_required(reason: str | None, field: str = "reason") -> str:
    return required_text(field, reason, REASON_MAX)


def reason_optional(reason: str | None, field: str = "reason") -> str | None:
    return optional_text(field, reason, REASON_MAX)
