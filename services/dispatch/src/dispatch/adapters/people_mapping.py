"""Engineers and teams: the contract's messages <-> the domain, and their stored documents."""

from __future__ import annotations

from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.errors import InvalidArgument

from dispatch.adapters.enum_maps import TEAM_KINDS, TIERS
from dispatch.adapters.proto_values import from_document
from dispatch.domain.people import Engineer, Skills, Team


def engineer_from_proto(m: pb.Engineer) -> Engineer:
    tier = TIERS.member(m.tier, "engineer.tier")
    categories = frozenset(c.strip().upper() for c in m.categories if c.strip())
    bad = sorted(c for c in categories if c not in set("ABCDEFG"))
    if bad:
        raise InvalidArgument.for_field("engineer.categories", f"categories are A-G, got {', '.join(bad)}")
    return Engineer(
        id=m.engineer_id.strip(),
        subject=m.subject.strip() or m.engineer_id.strip(),
        name=m.name.strip(),
        tier=tier,
        regions=frozenset(r.strip() for r in m.regions if r.strip()),
        sites=frozenset(m.sites),
        skills=Skills(frozenset(categories), frozenset(m.manufacturers), frozenset(m.products)),
        key_accounts=frozenset(m.key_accounts),
        phone=m.phone,
        email=m.email,
        language=m.language or "zh",
        capacity=m.capacity,
        active=m.active,
    )


def engineer_to_proto(e: Engineer) -> pb.Engineer:
    return pb.Engineer(
        engineer_id=e.id, subject=e.subject, name=e.name, tier=pb.EngineerTier.ValueType(TIERS.number(e.tier)),
        regions=sorted(e.regions), sites=sorted(e.sites),
        categories=sorted(e.skills.categories), manufacturers=sorted(e.skills.manufacturers),
        products=sorted(e.skills.products), key_accounts=sorted(e.key_accounts),
        phone=e.phone, email=e.email, language=e.language, capacity=e.capacity, active=e.active,
    )  # fmt: skip


def engineer_from_document(doc: dict[str, Any]) -> Engineer:
    return engineer_from_proto(from_document(doc, pb.Engineer()))


def team_from_proto(m: pb.Team) -> Team:
    if not m.team_id.strip():
        raise InvalidArgument.for_field("team.team_id", "is required")
    kind = TEAM_KINDS.member(m.kind, "team.kind")
    return Team(m.team_id.strip(), m.name, kind, m.region, m.manufacturer, m.company_id, tuple(m.member_ids))


def team_to_proto(t: Team) -> pb.Team:
    return pb.Team(
        team_id=t.id,
        name=t.name,
        kind=pb.TeamKind.ValueType(TEAM_KINDS.number(t.kind)),
        region=t.region,
        manufacturer=t.manufacturer,
        company_id=t.company_id,
        member_ids=list(t.members),
    )


def team_from_document(doc: dict[str, Any]) -> Team:
    return team_from_proto(from_document(doc, pb.Team()))


def team_message_from_document(doc: dict[str, Any]) -> pb.Team:
    return from_document(doc, pb.Team())
