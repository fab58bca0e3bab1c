"""The one access check: customers see their company, partners their key's reach, staff their regions."""

from __future__ import annotations

import pytest
from aftercare_platform.auth import AccessScope, Principal, Role, can_access, ensure_access, require_role, scope_of
from aftercare_platform.errors import NotFound, PermissionDenied


def customer(company: str = "ACME") -> Principal:
    return Principal(subject="alice", role=Role.CUSTOMER, company_id=company)


def test_a_customer_of_company_a_sees_its_own_company_in_any_region() -> None:
    assert can_access(customer("A"), "A", "east")
    assert can_access(customer("A"), "A", "west")


def test_a_customer_of_company_a_cannot_access_company_b() -> None:
    assert not can_access(customer("A"), "B", "east")


def test_another_companys_resource_looks_absent_to_a_customer() -> None:
    with pytest.raises(NotFound, match="case not found"):
        ensure_access(customer("A"), "B", "east", resource="case")


def test_the_caller_may_choose_permission_denied_instead() -> None:
    with pytest.raises(PermissionDenied):
        ensure_access(customer("A"), "B", "east", conceal=False)


def test_a_customer_without_a_company_sees_nothing() -> None:
    assert not can_access(Principal(subject="x", role=Role.CUSTOMER), "A", "east")


def test_a_partner_is_limited_to_its_keys_companies_and_regions() -> None:
    partner = Principal(subject="p", role=Role.PARTNER, companies=frozenset({"A", "B"}),
                        regions=frozenset({"east"}))

    assert can_access(partner, "A", "east")
    assert can_access(partner, "B", "east")
    assert not can_access(partner, "C", "east")
    assert not can_access(partner, "A", "west")


def test_a_partner_key_naming_no_regions_reaches_its_companies_in_every_region() -> None:
    # the one rule (cases, intake and sla-timer alike): a regions claim narrows only when it names regions
    partner = Principal(subject="p", role=Role.PARTNER, companies=frozenset({"A"}))

    assert can_access(partner, "A", "east") and can_access(partner, "A", "west")
    assert not can_access(partner, "B", "east")
    assert scope_of(partner).regions is None and scope_of(partner).companies == frozenset({"A"})


def test_a_partner_key_naming_no_company_reaches_nothing() -> None:
    assert scope_of(Principal(subject="p", role=Role.PARTNER, regions=frozenset({"east"}))).is_empty


def test_any_in_a_claim_means_every_company_or_region() -> None:
    partner = Principal(subject="p", role=Role.PARTNER, companies=frozenset({"*"}), regions=frozenset({"*"}))
    assert scope_of(partner) == AccessScope(companies=None, regions=None)
    regional = Principal(subject="s", role=Role.AGENT, regions=frozenset({"*"}))
    assert can_access(regional, "A", "north")


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.EXPERT, Role.SUPERVISOR, Role.ADMIN,
                                  Role.SYSTEM])
def test_staff_are_limited_by_region_only(role: Role) -> None:
    east_staff = Principal(subject="s", role=role, regions=frozenset({"east"}))

    assert can_access(east_staff, "any-company", "east")
    assert not can_access(east_staff, "any-company", "west")


def test_staff_without_a_regions_claim_reach_every_region() -> None:
    everywhere = Principal(subject="s", role=Role.SUPERVISOR)

    assert can_access(everywhere, "A", "east")
    assert can_access(everywhere, "B", "north")
    assert scope_of(everywhere).companies is None and scope_of(everywhere).regions is None


def test_a_resource_without_a_region_is_checked_by_company_alone() -> None:
    assert can_access(customer("A"), "A", None)
    assert not can_access(customer("A"), "B", None)


def test_require_role_refuses_other_roles() -> None:
    require_role(Principal(subject="s", role=Role.ADMIN), Role.ADMIN, Role.SUPERVISOR)
    with pytest.raises(PermissionDenied, match="admin"):
        require_role(customer(), Role.ADMIN)


def test_a_partner_key_naming_one_company_reaches_it_like_a_list_would() -> None:
    partner = Principal(subject="p", role=Role.PARTNER, company_id="A", regions=frozenset({"east"}))
    assert can_access(partner, "A", "east")
    assert not can_access(partner, "B", "east")
    assert not can_access(partner, "A", "south")
