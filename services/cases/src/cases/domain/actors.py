"""Who acts on a case: a subject with a role, and for customers and partners the companies they speak for."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aftercare_platform.auth.access import ANY as PLATFORM_ANY
from aftercare_platform.auth.access import AccessScope, scope_for
from aftercare_platform.auth.principal import Role as PlatformRole
from aftercare_platform.errors import InvalidArgument


class Role(StrEnum):
    CUSTOMER = "customer"  # a customer contact: its own company's cases only
    PARTNER = "partner"  # a partner system: only the companies and regions of its key
    AGENT = "agent"  # service desk
    ENGINEER = "engineer"  # duty / field engineer
    EXPERT = "expert"  # expert panel
    SUPERVISOR = "supervisor"
    SYSTEM = "system"  # an Aftercare service acting on its own (intake, dispatch, sla-timer, survey)
    ADMIN = "admin"

    @property
    def is_external(self) -> bool:
        """Customers and partners: they see public entries only, within their scope."""
        return self in (Role.CUSTOMER, Role.PARTNER)


ANY = PLATFORM_ANY  # in a partner's scope: every company / every region


@dataclass(frozen=True)
class Actor:
    """The principal behind a command, as the edge read it from the token."""

    subject: str
    role: Role
    company_id: str | None = None  # a customer's company
    # a partner key's reach beyond `company_id`: more companies (ANY: all of them); for partners
    # and staff, when not empty, only these regions (ANY: all of them); customers ignore regions
    companies: frozenset[str] = field(default_factory=frozenset)
    regions: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None

    def __post_init__(self) -> None:
        if not self.subject or not self.subject.strip():
            raise InvalidArgument.for_field("actor.subject", "must not be empty")
        if self.role is Role.CUSTOMER and not self.company_id:
            raise InvalidArgument.for_field("actor.company_id", "a customer acts for a company")

    @property
    def is_staff(self) -> bool:
        return not self.role.is_external

    @property
    def scope(self) -> AccessScope:
        """The platform's one rule of scope (`aftercare_platform.auth.access.scope_for`)."""
        return scope_for(PlatformRole(self.role.value), self.company_id, self.companies, self.regions)

    def reaches_company(self, company_id: str | None) -> bool:
        return self.scope.allows_company(company_id)

    @property
    def region_limited(self) -> bool:
        """True when this actor reaches only the regions it names (partners and regional staff)."""
        return self.scope.regions is not None

    def reaches_region(self, region: str) -> bool:
        return self.scope.allows_region(region)

    def ref(self) -> dict[str, Any]:
        """What the timeline and the events record of the actor."""
        ref = {"subject_id": self.subject, "role": self.role.value}
        if self.company_id:
            ref["company_id"] = self.company_id
        if self.name:
            ref["display_name"] = self.name
        return ref


def system_actor(name: str) -> Actor:
    """An Aftercare service acting on its own (the survey reopening, dispatch assigning)."""
    return Actor(subject=f"service:{name}", role=Role.SYSTEM, name=name)
