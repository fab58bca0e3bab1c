"""A case's survey as one caller sees it: the latest closing's invitation, its answer, and the link only
for someone who may answer it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from survey.domain.fatigue import SkipReason
from survey.domain.invitation import Invitation, InvitationStatus


@dataclass(frozen=True)
class AnswerSummary:
    """What the customer answered (a question the questionnaire did not ask is None)."""

    answered_at: datetime
    unsatisfied: bool
    overall: int | None = None
    response_speed: int | None = None
    attitude: int | None = None
    resolved: bool | None = None
    recommend: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class CaseSurvey:
    case_id: str
    case_number: str
    status: InvitationStatus
    skip_reason: SkipReason | None
    closed_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    expired: bool
    # the no-login form; None unless the caller may answer now
    link: str | None
    answer: AnswerSummary | None


def _rating(values: dict[str, Any], key: str) -> int | None:
    value = values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def answer_summary(values: dict[str, Any], answered_at: datetime, unsatisfied: bool) -> AnswerSummary:
    resolved = values.get("resolved")
    comment = values.get("comment")
    return AnswerSummary(answered_at, unsatisfied, _rating(values, "overall"), _rating(values, "response_speed"),
                         _rating(values, "attitude"), resolved if isinstance(resolved, bool) else None,
                         _rating(values, "recommend"), comment if isinstance(comment, str) else "")


def case_survey(invitation: Invitation, now: datetime, *, link: str | None,
                answer: AnswerSummary | None) -> CaseSurvey:
    """`link` is given only when the caller may answer; it is dropped unless the invitation still takes one."""
    reason = SkipReason(invitation.skip_reason) if invitation.skip_reason in {r.value for r in SkipReason} else None
    return CaseSurvey(
        case_id=invitation.case_id, case_number=invitation.case_number, status=invitation.status,
        skip_reason=reason if invitation.status is InvitationStatus.SKIPPED else None,
        closed_at=invitation.closed_at, sent_at=invitation.sent_at, expires_at=invitation.expires_at,
        expired=invitation.expired(now), link=link if invitation.answerable(now) else None,
        answer=answer if invitation.status is InvitationStatus.ANSWERED else None)
