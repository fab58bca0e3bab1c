"""Who is calling: the principal a verified token describes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    ENGINEER = "engineer"
    EXPERT = "expert"
    SUPERVISOR = "supervisor"
    PARTNER = "partner"
    ADMIN = "admin"
    # another Aftercare service calling on its own behalf
    SYSTEM = "system"


# staff see every company; their `regions` claim limits them by region (empty = all regions)
STAFF_ROLES: frozenset[Role] = frozenset(
    {Role.AGENT, Role.ENGINEER, Role.EXPERT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM}
)


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    company_id: str | None = None
    regions: frozenset[str] = frozenset()
    name: str = ""
    # a partner key's reach: the customer companies it may act for
    companies: frozenset[str] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES
