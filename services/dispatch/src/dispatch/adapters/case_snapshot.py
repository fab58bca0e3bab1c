"""The case as dispatch's visit, loaner and RMA events describe it (fields 1-8 of each payload), as the
cases service gave it once when the work started, so consumers (sla-timer) need not call back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.common.v1 import common_pb2
from aftercare_platform.auth.access import ensure_access
from aftercare_platform.auth.principal import Principal
from aftercare_platform.errors import NotFound

from dispatch.adapters.case_gateway import CaseFacts, CasesPort, CasesRefused, answering_callers
from dispatch.adapters.proto_values import stamp

# a stored document and the case snapshot kept with it
Snapshotted = tuple[dict[str, Any], dict[str, Any]]

SYSTEM = common_pb2.Actor(subject_id="service:dispatch", role=common_pb2.ACTOR_ROLE_SYSTEM)


def snapshot_of(facts: CaseFacts) -> dict[str, Any]:
    return {"case_number": facts.case_number, "region": facts.region, "company_id": facts.company_id,
            "contract_id": facts.contract_id, "priority": facts.priority}


def actor_message(principal: Principal) -> common_pb2.Actor:
    role = common_pb2.ActorRole.Value(f"ACTOR_ROLE_{principal.role.value.upper()}")
    return common_pb2.Actor(subject_id=principal.subject, role=role, company_id=principal.company_id or "",
                            display_name=principal.name)


def event_head(case_id: str, snapshot: dict[str, Any], at: datetime, actor: common_pb2.Actor) -> dict[str, Any]:
    return {"case_id": case_id, "case_number": snapshot["case_number"], "region": snapshot["region"],
            "company_id": snapshot["company_id"], "contract_id": snapshot["contract_id"],
            "priority": snapshot["priority"], "occurred_at": stamp(at), "actor": actor}


async def case_for_work(cases: CasesPort, principal: Principal, case_id: str) -> CaseFacts:
    """The case a visit, loaner or RMA is for, as cases has it, within the caller's reach."""
    try:
        with answering_callers():
            facts = await cases.get_case(case_id)
    except CasesRefused:
        raise NotFound(f"no case {case_id!r}", case_id=case_id) from None
    ensure_access(principal, facts.company_id, facts.region, resource="case")
    return facts


def within_reach(found: Snapshotted | None, principal: Principal, resource: str, key: str) -> Snapshotted:
    """A stored visit, loaner or RMA (document, case snapshot) the caller may touch: a staff token limited
    to regions, a customer or a partner sees only what its scope covers; the rest looks absent."""
    if found is None:
        raise NotFound(f"no {resource} {key!r}", id=key)
    ensure_access(principal, found[1]["company_id"], found[1]["region"], resource=resource)
    return found
