""""Give feedback now": a customer asks for its closed case's survey before (or instead of) the invitation.

A customer volunteering is not being asked, so the anti-fatigue rules that keep surveys from people (not
sampled, recently asked, opted out, no contact on the case) do not stop it; "one survey per closing" and
"one live link per case" do: the scheduled invitation itself is opened (it is then sent, so the delayed
send finds nothing to send), a skipped one is opened in its place, and an invitation already out is the
answer as it is."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from aftercare_platform.errors import FailedPrecondition

from survey.domain.fatigue import SkipReason
from survey.domain.invitation import Invitation, InvitationStatus

# skipped for the customer's peace, not because the closing already has its survey
OPENABLE_SKIPS = frozenset({SkipReason.NOT_SAMPLED, SkipReason.RECENTLY_ASKED, SkipReason.OPTED_OUT,
                            SkipReason.NO_CONTACT})


class SurveyNotOpenable(FailedPrecondition):
    """The case's survey cannot be opened now; `reason` says why (answered, cancelled, expired,
    already_surveyed, not_closed)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def already_open(invitation: Invitation, request_id: str, now: datetime) -> bool:
    """The invitation is already the answer: it is out and can be answered, or this request opened it (a
    repeat after the customer answered gets the same survey, answered)."""
    repeat = invitation.opened_request_id == request_id and invitation.status in (InvitationStatus.SENT,
                                                                                 InvitationStatus.ANSWERED)
    return repeat or invitation.answerable(now)


def refusal(invitation: Invitation, now: datetime) -> SurveyNotOpenable | None:
    """Why the invitation cannot be opened whatever the case says; None when it may be."""
    status = invitation.status
    if status is InvitationStatus.ANSWERED:
        return SurveyNotOpenable("answered", "the case's survey is already answered")
    if status is InvitationStatus.CANCELLED:
        return SurveyNotOpenable("cancelled", "the case's survey was cancelled: the case was reopened")
    if status is InvitationStatus.SENT and invitation.expired(now):
        return SurveyNotOpenable("expired", "the case's survey link has expired")
    if status is InvitationStatus.SKIPPED and invitation.skip_reason not in OPENABLE_SKIPS:
        return SurveyNotOpenable("already_surveyed", "this closing of the case was already surveyed")
    return None


def open_now(invitation: Invitation, *, request_id: str, case_status: str, closing_surveyed: bool,
             now: datetime, link_lifetime: timedelta) -> Invitation:
    """The invitation the customer's link is for: unchanged when already open, else sent now (by this
    request), or `SurveyNotOpenable`. `case_status` is what cases says now (the reopen event may be late);
    `closing_surveyed`: another invitation of this closing already went out."""
    if already_open(invitation, request_id, now):
        return invitation
    if (refused := refusal(invitation, now)) is not None:
        raise refused
    if invitation.campaign_id or invitation.status not in (InvitationStatus.SCHEDULED, InvitationStatus.SKIPPED):
        raise SurveyNotOpenable("not_openable", f"the survey is {invitation.status}")
    if case_status != "closed":
        raise SurveyNotOpenable("not_closed", f"the case is not closed (it is {case_status or 'unknown'})")
    if closing_surveyed:
        raise SurveyNotOpenable("already_surveyed", "this closing of the case was already surveyed")
    return replace(invitation, status=InvitationStatus.SENT, skip_reason=None, sent_at=now,
                   expires_at=now + link_lifetime, opened_request_id=request_id)
