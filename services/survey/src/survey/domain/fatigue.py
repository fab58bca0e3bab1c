"""Anti-fatigue: whom to ask, and when not to."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SkipReason(StrEnum):
    """Why an invitation was not sent (kept on the record; spelled as `SkipReason`'s short forms)."""

    ALREADY_SURVEYED = "already_surveyed"
    NO_CONTACT = "no_contact"
    OPTED_OUT = "opted_out"
    RECENTLY_ASKED = "recently_asked"
    NOT_SAMPLED = "not_sampled"


@dataclass(frozen=True)
class FatiguePolicy:
    # at most one survey per contact within this interval
    repeat_interval: timedelta = timedelta(days=30)
    # share of a company's closed cases that get a survey (1.0 = all); per company, else the default
    sampling: float = 1.0
    company_sampling: tuple[tuple[str, float], ...] = ()

    def rate_for(self, company_id: str) -> float:
        return dict(self.company_sampling).get(company_id, self.sampling)


@dataclass(frozen=True)
class ContactHistory:
    """What the store knows about this case and its contact."""

    case_already_surveyed: bool
    opted_out: bool
    last_invited_at: datetime | None


def sampled(case_id: str, rate: float) -> bool:
    """A stable draw per case (the same case always gets the same answer, on every replica)."""
    if rate >= 1.0:
        return True
    bucket = int.from_bytes(hashlib.sha256(case_id.encode()).digest()[:8], "big") / 2**64
    return bucket < rate


def skip_reason(policy: FatiguePolicy, history: ContactHistory, *, case_id: str, company_id: str,
                has_contact: bool, now: datetime) -> SkipReason | None:
    """None when the survey goes out; else why not (kept on the record, for the statistics)."""
    if history.case_already_surveyed:
        return SkipReason.ALREADY_SURVEYED
    if not has_contact:
        return SkipReason.NO_CONTACT
    if history.opted_out:
        return SkipReason.OPTED_OUT
    if history.last_invited_at is not None and now - history.last_invited_at < policy.repeat_interval:
        return SkipReason.RECENTLY_ASKED
    if not sampled(case_id, policy.rate_for(company_id)):
        return SkipReason.NOT_SAMPLED
    return None
