"""Never to a contact of another company: checked when a delivery is planned and again before it is sent."""

from __future__ import annotations

from dataclasses import dataclass


class CrossCompanyRecipient(Exception):
    """A customer's contact would hear of another company's case."""


@dataclass(frozen=True)
class Addressee:
    """Whom a message goes to, as far as the company check cares."""

    recipient_id: str
    # the customer company the recipient belongs to; None for the vendor's own staff
    company_id: str | None


def may_receive(addressee: Addressee, case_company_id: str) -> bool:
    """Staff may hear of any case; a customer contact only of its own company's cases (and never of an
    unidentified case with no company)."""
    if addressee.company_id is None:
        return True
    return bool(case_company_id) and addressee.company_id == case_company_id


def ensure_may_receive(addressee: Addressee, case_company_id: str) -> None:
    if not may_receive(addressee, case_company_id):
        raise CrossCompanyRecipient(
            f"recipient {addressee.recipient_id} of company {addressee.company_id} "
            f"may not be told of a case of company {case_company_id or '(none)'}"
        )
