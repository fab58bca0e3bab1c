"""Who may add to a case by quoting its number (pure).

A message becomes a customer-visible note on a case only when its sender is entitled to that case:
staff entering it, a partner key covering the case's company (or the partner that reported it),
a contact of the case's company, or the address that reported the case. A partner quoting a case
it does not cover is refused, like a hint naming another company. Anyone else (an anonymous web
form, an e-mail from another company's contact) loses nothing and leaks nothing: the message is
kept as an agent-only note flagged "unverified sender", for an agent to accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aftercare_platform.errors import PermissionDenied

from intake.domain.identification import Identification
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel

ANY_COMPANY = "*"
# channels a member of staff (or a system acting for one) enters: the desk may write on any case
_STAFF_CHANNELS = frozenset({Channel.AGENT_PHONE, Channel.FAX, Channel.INSPECTION, Channel.ALARM})
UNVERIFIED_SENDER = "Unverified sender"


@dataclass(frozen=True)
class QuotedCase:
    """What intake knows of a quoted case: its company and who reported it."""

    case_number: str
    company_id: str | None
    caller_email: str | None = None
    caller_phone: str | None = None
    reported_by: str | None = None  # the partner key (subject) that reported it


class NoteTrust(StrEnum):
    VERIFIED = "verified"  # a customer-visible note
    UNVERIFIED = "unverified"  # an agent-only note, flagged, for an agent to accept


def _partner_covers(case: QuotedCase, partner_id: str | None, scope: frozenset[str]) -> bool:
    if case.reported_by is not None and case.reported_by == partner_id:
        return True
    return case.company_id is not None and (ANY_COMPANY in scope or case.company_id in scope)


def _sender_entitled(request: IntakeRequest, found: Identification, case: QuotedCase) -> bool:
    contact = found.contact
    if contact is not None and case.company_id is not None and contact.company_id == case.company_id:
        return True
    email, phone = (request.reporter.email or "").casefold(), request.reporter.phone
    return bool((email and email == (case.caller_email or "").casefold())
                or (phone and phone == case.caller_phone))


def quoted_note_trust(request: IntakeRequest, found: Identification, case: QuotedCase | None,
                      partner_scope: frozenset[str] | None) -> NoteTrust:
    """How a message quoting `case` (None: a number intake does not know) may be added to it.

    `partner_scope`: the companies of a partner key (None for any other caller). Raises
    PermissionDenied for a partner quoting a case it does not cover; an unknown number is refused
    the same way, so a key cannot probe which numbers exist."""
    if partner_scope is not None:
        if case is None or not _partner_covers(case, request.partner_id, partner_scope):
            raise PermissionDenied(f"this key may not add to case {request.quoted_case_number}")
        return NoteTrust.VERIFIED
    if request.channel in _STAFF_CHANNELS:
        return NoteTrust.VERIFIED
    if case is not None and _sender_entitled(request, found, case):
        return NoteTrust.VERIFIED
    return NoteTrust.UNVERIFIED
