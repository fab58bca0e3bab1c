"""A survey invitation's life: scheduled after a case closes, then sent, cancelled or skipped; answered once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from aftercare_platform.errors import FailedPrecondition


class InvitationStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    CANCELLED = "cancelled"  # the case was reopened before it went out
    SKIPPED = "skipped"  # anti-fatigue said no (the reason is kept)


@dataclass(frozen=True)
class Invitation:
    id: str
    case_id: str
    case_number: str
    company_id: str
    region: str
    engineer_id: str
    category: str
    kind: str
    rma: bool
    closed_at: datetime
    contact_name: str
    contact_phone: str
    contact_email: str
    language: str
    questionnaire: str
    status: InvitationStatus
    due_at: datetime
    # the case's reopen count when it closed: a reopen is asked for only while it is unchanged
    reopen_count: int = 0
    skip_reason: str | None = None
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    answered_at: datetime | None = None
    # set on a campaign's invitation (then there is no case: case_id is "")
    campaign_id: str | None = None
    # set when the customer opened it itself ("give feedback now"): the request that did
    opened_request_id: str | None = None

    @property
    def contact_key(self) -> str:
        """Who is asked: the anti-fatigue rules count per contact (e-mail, else phone), lower case."""
        return (self.contact_email or self.contact_phone).strip().lower()

    def expired(self, now: datetime) -> bool:
        """Sent, and its link's time has run out."""
        return self.status is InvitationStatus.SENT and self.expires_at is not None and now >= self.expires_at

    def answerable(self, now: datetime) -> bool:
        """Its link still takes an answer: sent about a case, not answered, not expired."""
        return (self.status is InvitationStatus.SENT and not self.campaign_id and self.expires_at is not None
                and now < self.expires_at)

    def cancel(self) -> Invitation:
        if self.status is not InvitationStatus.SCHEDULED:
            return self  # already out (or already cancelled): a reopen after sending changes nothing here
        return replace(self, status=InvitationStatus.CANCELLED)

    def send(self, now: datetime, link_lifetime: timedelta) -> Invitation:
        if self.status is not InvitationStatus.SCHEDULED:
            raise FailedPrecondition(f"invitation {self.id} is {self.status}, not scheduled")
        return replace(self, status=InvitationStatus.SENT, sent_at=now, expires_at=now + link_lifetime)

    def answer(self, now: datetime) -> Invitation:
        if self.status is not InvitationStatus.SENT:
            raise FailedPrecondition(f"invitation {self.id} is {self.status}, not awaiting an answer")
        return replace(self, status=InvitationStatus.ANSWERED, answered_at=now)


def needs_return_visit(kind: str, rma: bool, had_field_visit: bool) -> bool:
    """Repairs get a return-visit call: a defect fixed on site or through RMA."""
    return kind == "defect" and (rma or had_field_visit)
