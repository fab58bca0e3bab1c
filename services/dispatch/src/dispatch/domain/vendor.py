"""The original vendor on a case (the last tier, an underpinning contract): who at the vendor, the
vendor's own ticket number, what it promised, and whether it answered in time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from aftercare_platform.errors import FailedPrecondition, InvalidArgument

from dispatch.domain.people import Engineer, Team
from dispatch.domain.vocabulary import EngineerTier, TeamKind

TICKET_MAX = 200
LONGEST_PROMISE = timedelta(days=365)  # a promise past a year is a typo, not an underpinning contract


@dataclass(frozen=True)
class VendorEngagement:
    case_id: str
    manufacturer: str
    contact_id: str
    ticket: str
    promised_response: timedelta
    engaged_at: datetime
    responded_at: datetime | None = None
    response: str = ""

    @property
    def promised_at(self) -> datetime:
        return self.engaged_at + self.promised_response

    def late(self, now: datetime) -> bool:
        """Answered after its promise, or not answered and the promise has passed."""
        return (self.responded_at or now) > self.promised_at


def vendor_contact(manufacturer: str, engineers: Iterable[Engineer], teams: Iterable[Team],
                   named: str = "") -> Engineer:
    """The vendor contact for a case: the one named (a vendor contact), else the first active member of
    the manufacturer's vendor team."""
    staff = {e.id: e for e in engineers}
    if named:
        found = staff.get(named)
        if found is None or found.tier is not EngineerTier.VENDOR_CONTACT:
            raise InvalidArgument.for_field("vendor_contact_id", f"{named!r} is no vendor contact")
        return found
    wanted = manufacturer.strip().casefold()
    for team in sorted(teams, key=lambda t: t.id):
        if team.kind is TeamKind.VENDOR and team.manufacturer.strip().casefold() == wanted:
            for member in team.members:
                person = staff.get(member)
                if person is not None and person.active and person.tier is EngineerTier.VENDOR_CONTACT:
                    return person
    raise FailedPrecondition(f"no vendor team with an active contact for manufacturer {manufacturer!r}; "
                             "name the vendor contact")


def engage(*, case_id: str, manufacturer: str, contact: Engineer, ticket: str, promised_response: timedelta,
           at: datetime) -> VendorEngagement:
    ticket = ticket.strip()
    if not ticket:
        raise InvalidArgument.for_field("vendor_ticket", "the vendor's own ticket number is required")
    if len(ticket) > TICKET_MAX:
        raise InvalidArgument.for_field("vendor_ticket", f"at most {TICKET_MAX} characters")
    if promised_response <= timedelta(0):
        raise InvalidArgument.for_field("promised_response", "the vendor's promised response must be positive")
    if promised_response > LONGEST_PROMISE:
        raise InvalidArgument.for_field("promised_response", "the vendor's promised response is at most a year")
    return VendorEngagement(case_id, manufacturer, contact.id, ticket, promised_response, at)


def respond(engagement: VendorEngagement, response: str, at: datetime) -> VendorEngagement:
    if not response.strip():
        raise InvalidArgument.for_field("response", "say what the vendor answered")
    if engagement.responded_at is not None:
        raise FailedPrecondition(f"the vendor already answered at {engagement.responded_at.isoformat()}")
    if at < engagement.engaged_at:
        raise InvalidArgument.for_field("responded_time", "the vendor cannot answer before it was engaged")
    return replace(engagement, responded_at=at, response=response.strip())
