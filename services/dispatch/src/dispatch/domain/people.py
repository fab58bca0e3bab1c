"""Engineers and teams: who can do what, where, and how much at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from aftercare_platform.errors import InvalidArgument

from dispatch.domain.vocabulary import EngineerTier, TeamKind


@dataclass(frozen=True)
class Skills:
    """What an engineer handles. An empty set means "any" (a generalist on that axis)."""

    categories: frozenset[str] = frozenset()
    manufacturers: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()

    def lacks(self, *, category: str = "", manufacturer: str = "", product: str = "") -> list[str]:
        """The skills a case needs that this engineer lacks, by name (empty: none missing)."""
        missing = []
        if category and self.categories and category not in self.categories:
            missing.append(f"category {category}")
        if manufacturer and self.manufacturers and _fold(manufacturer) not in {_fold(m) for m in self.manufacturers}:
            missing.append(f"manufacturer {manufacturer}")
        if product and self.products and _fold(product) not in {_fold(p) for p in self.products}:
            missing.append(f"product {product}")
        return missing


def _fold(text: str) -> str:
    return text.strip().casefold()


@dataclass(frozen=True)
class Engineer:
    """A person dispatch can give work to, linked to the subject of their token."""

    id: str
    subject: str
    name: str
    tier: EngineerTier
    regions: frozenset[str]
    sites: frozenset[str] = frozenset()  # empty: every site of the regions
    skills: Skills = field(default_factory=Skills)
    key_accounts: frozenset[str] = frozenset()  # company ids this engineer is dedicated to
    phone: str = ""
    email: str = ""
    language: str = "zh"
    capacity: int = 5  # open cases at once
    active: bool = True

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InvalidArgument.for_field("engineer_id", "is required")
        if self.capacity < 0:
            raise InvalidArgument.for_field("capacity", f"must not be negative, got {self.capacity}")
        if not self.regions:
            raise InvalidArgument.for_field("regions", "name at least one region the engineer covers")


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    kind: TeamKind
    region: str = ""  # field teams and desks belong to a region
    manufacturer: str = ""  # vendor teams
    company_id: str = ""  # key-account teams
    members: tuple[str, ...] = ()


def with_team_accounts(engineers: Iterable[Engineer], teams: Iterable[Team]) -> list[Engineer]:
    """Members of a key-account team are key-account engineers of its customer, as if named on themselves."""
    accounts: dict[str, set[str]] = {}
    for team in teams:
        if team.kind is TeamKind.KEY_ACCOUNT and team.company_id:
            for member in team.members:
                accounts.setdefault(member, set()).add(team.company_id)
    return [replace(e, key_accounts=e.key_accounts | accounts[e.id]) if e.id in accounts else e for e in engineers]


def field_team(engineers: Iterable[Engineer], teams: Iterable[Team], region: str) -> list[Engineer]:
    """The field engineers of the region's field teams (every field engineer of the region when it has none)."""
    field = [e for e in engineers if e.tier is EngineerTier.FIELD_ENGINEER and region in e.regions]
    crews = [t for t in teams if t.kind is TeamKind.FIELD and t.region == region]
    if not crews:
        return field
    members = {m for t in crews for m in t.members}
    return [e for e in field if e.id in members]


def panel_members(engineers: Iterable[Engineer], teams: Iterable[Team]) -> list[Engineer]:
    """The experts of the expert panel teams (every expert when no panel is set up)."""
    experts = [e for e in engineers if e.tier is EngineerTier.EXPERT]
    panels = [t for t in teams if t.kind is TeamKind.EXPERT_PANEL]
    if not panels:
        return experts
    members = {m for t in panels for m in t.members}
    return [e for e in experts if e.id in members]
