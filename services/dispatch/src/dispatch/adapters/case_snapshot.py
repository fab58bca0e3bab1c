"""The case as dispatch's visit, loaner and RMA events describe it (fields 1-8 of each payload), taken
from cases once when the work starts, so consumers (sla-timer) need not call back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.common.v1 import common_pb2
from aftercare_platform.auth.principal import Principal

from dispatch.adapters.cases_gateway import CaseFacts
from dispatch.adapters.proto_mapping import stamp

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
