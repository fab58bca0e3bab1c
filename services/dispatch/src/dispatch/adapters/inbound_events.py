"""Other services' events as dispatch's domain input: a new case to route, an SLA warning or breach."""

from __future__ import annotations

from typing import Any

from aftercare.cases.v1 import cases_pb2 as cases_pb

from dispatch.adapters.enum_maps import ACTION_KINDS, CATEGORIES, CLOCK_KINDS, NOTIFY_ROLES, PRIORITIES
from dispatch.domain.routing import CaseToRoute
from dispatch.domain.sla_actions import Firing, SlaAction


def case_to_route(m: Any) -> CaseToRoute:
    """A case event's snapshot (aftercare.case.created.v1) as what routing needs."""
    asset = m.asset if m.HasField("asset") else cases_pb.Asset()
    return CaseToRoute(
        case_id=m.case_id,
        region=m.region,
        company_id=m.company_id,
        site=asset.site,
        category=CATEGORIES.spell(m.category) or "",
        manufacturer=asset.manufacturer,
        product=asset.model,
        priority=PRIORITIES.spell(m.priority) or "",
    )


def sla_firing(m: Any, *, breach: bool) -> tuple[Firing, str]:
    """An SLA warning or breach (aftercare.sla.v1) as a firing with its actions, and its label."""
    actions = tuple(
        SlaAction(kind=ACTION_KINDS.spell(a.kind) or "", roles=tuple(NOTIFY_ROLES.spell(r) or "" for r in a.roles),
                  tiers=int(a.tiers or 1))
        for a in m.actions
    )  # fmt: skip
    clock = CLOCK_KINDS.spell(m.clock_kind) or ""
    if breach:
        return Firing(m.case_id, clock, int(m.cycle), "breach", actions), f"breach of {clock}"
    label = m.warning_label or f"warning {m.warning_index + 1}"
    return Firing(m.case_id, clock, int(m.cycle), f"warning-{m.warning_index}", actions), f"warning {label} of {clock}"
