"""The closed vocabularies of a case: status, category, kind, priority, tier and friends.

Values are the wire's short forms: lower-case words (`in_progress`), codes in upper case
(priorities `P1`..`P4`, categories `A`..`G`); the proto enums carry the same names behind their
prefix (`CASE_STATUS_IN_PROGRESS`, `PRIORITY_P1`), and the platform's `EnumMap` converts at the edge.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    # a resting status: the survey (or an agent) reopened a closed case and the
    # engineer has not answered the customer yet; `acknowledge` moves it to in_progress
    REOPENED = "reopened"
    CANCELLED = "cancelled"

    @property
    def clocks_paused(self) -> bool:
        return self is Status.WAITING_CUSTOMER


class Category(StrEnum):
    A = "A"  # daily question or fault
    B = "B"  # infrastructure: network, OS, hardware environment
    C = "C"  # upgrade / patch
    D = "D"  # software bug
    E = "E"  # third-party software
    F = "F"  # change request
    G = "G"  # service feedback

    @property
    def description(self) -> str:
        return _CATEGORY_DESCRIPTIONS[self]


_CATEGORY_DESCRIPTIONS = {
    Category.A: "daily question or fault",
    Category.B: "infrastructure (network, OS, hardware environment)",
    Category.C: "upgrade / patch",
    Category.D: "software bug",
    Category.E: "third-party software",
    Category.F: "change request",
    Category.G: "service feedback",
}


class Kind(StrEnum):
    CONSULTATION = "consultation"  # answered at once
    DEFECT = "defect"  # needs diagnosis and a fix


class Priority(StrEnum):
    P1 = "P1"  # critical
    P2 = "P2"  # major
    P3 = "P3"  # general
    P4 = "P4"  # non-fault

    @property
    def rank(self) -> int:
        """1 for P1 (most urgent) .. 4 for P4; the sort key."""
        return int(self.value[1])

    def raised(self) -> Priority:
        """One step more urgent; P1 stays P1."""
        return Priority(f"P{max(1, self.rank - 1)}")


class Tier(StrEnum):
    DESK = "desk"
    ENGINEER = "engineer"
    EXPERT_PANEL = "expert_panel"
    ORIGINAL_VENDOR = "original_vendor"

    @property
    def rank(self) -> int:
        return _TIER_ORDER.index(self)

    def next(self) -> Tier | None:
        """The tier above, or None at the top (the original vendor)."""
        i = self.rank + 1
        return _TIER_ORDER[i] if i < len(_TIER_ORDER) else None


_TIER_ORDER = (Tier.DESK, Tier.ENGINEER, Tier.EXPERT_PANEL, Tier.ORIGINAL_VENDOR)


class Visibility(StrEnum):
    PUBLIC = "public"  # the customer sees it
    INTERNAL = "internal"  # staff only; never reaches a customer token or a customer-visible event


class Channel(StrEnum):
    HOTLINE = "hotline"
    EMAIL = "email"
    WEB = "web"
    SMS = "sms"
    FAX = "fax"
    PARTNER = "partner"
    MONITORING = "monitoring"
    INSPECTION = "inspection"


class Entitlement(StrEnum):
    UNKNOWN = "unknown"
    IN_WARRANTY = "in_warranty"  # free
    UNDER_CONTRACT = "under_contract"  # free under a maintenance contract
    BILLABLE = "billable"


class ComplaintAbout(StrEnum):
    FIX = "fix"  # slow or ineffective fix: raises the priority one step
    ENGINEER = "engineer"  # goes to the supervisor, who may replace the engineer


class FaultParty(StrEnum):
    """Whose fault it was: only the vendor's fault extends the warranty (plan 004 §1.1)."""

    UNKNOWN = "unknown"
    VENDOR = "vendor"
    CUSTOMER = "customer"
    THIRD_PARTY = "third_party"


class CancelReason(StrEnum):
    DUPLICATE = "duplicate"
    NOT_OURS = "not_ours"
    WITHDRAWN = "withdrawn"  # the customer no longer needs it
