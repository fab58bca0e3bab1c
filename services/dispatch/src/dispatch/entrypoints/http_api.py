"""The dispatch REST API. Bodies of engineers and rosters are their contract's proto3 JSON
(aftercare.dispatch.v1.Engineer / Roster); who is on duty and the explanations are typed below.

    GET  /v1/duty?region=east&team=&at=        who is on duty (holes included)
    PUT  /v1/engineers/{engineer_id}           GET /v1/engineers?region=
    PUT  /v1/rosters/{roster_id}               GET /v1/rosters/{roster_id}
    GET  /v1/rosters/{roster_id}/gaps?start=&end=
    GET  /v1/cases/{case_id}/assignment        every routing decision for the case, explained

The iCalendar feeds are in `http_feeds`, field work (visits, loaners, RMA, stock, vendor) in `http_field`.

Errors are RFC 9457 problems."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.contracts.rest_json import from_rest, to_rest
from aftercare_platform.errors import InvalidArgument
from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field

from dispatch.adapters.people_mapping import engineer_to_proto
from dispatch.adapters.store import StoredDecision
from dispatch.domain.rosters import DutyAnswer, coverage_gaps
from dispatch.entrypoints.access import require_manager, require_region, require_staff
from dispatch.handlers import DispatchHandlers

PrincipalDep = Annotated[Principal, Depends(require_principal)]


class DutySlotOut(BaseModel):
    engineer_id: str
    source: str = Field(description='"layer <name>", "swap in layer <name>" or "override"')
    start: datetime
    end: datetime


class RosterDutyOut(BaseModel):
    roster_id: str
    on_duty: list[DutySlotOut]
    hole: bool = Field(description="True when the roster has nobody on duty")
    notes: list[str]


class DutyOut(BaseModel):
    region: str
    at: datetime
    engineer_ids: list[str]
    rosters: list[RosterDutyOut]


class GapOut(BaseModel):
    start: datetime
    end: datetime
    reason: str


class CandidateOut(BaseModel):
    engineer_id: str
    failed: list[str] = Field(description='each "filter: why"; empty when eligible')
    score: dict[str, Any] | None = None


class DecisionOut(BaseModel):
    decision_key: str
    purpose: str = Field(description="route, replace, escalate, notify, take_over, supervisor_replace, expert, visit")
    chosen: str | None
    previous: str | None
    rule: str
    summary: str
    state: str = Field(description="pending | done | refused | skipped | queued")
    outcome: str
    decided_at: datetime
    candidates: list[CandidateOut]


def _duty(answer: DutyAnswer) -> RosterDutyOut:
    return RosterDutyOut(
        roster_id=answer.roster_id, hole=answer.has_hole, notes=list(answer.notes),
        on_duty=[DutySlotOut(engineer_id=s.engineer_id, source=s.source, start=s.start, end=s.end)
                 for s in answer.on_duty],
    )  # fmt: skip


def _decision(d: StoredDecision) -> DecisionOut:
    return DecisionOut(
        decision_key=d.key, purpose=d.purpose, chosen=d.chosen, previous=d.previous, rule=d.rule, summary=d.summary,
        state=d.state, outcome=d.outcome, decided_at=d.decided_at,
        candidates=[CandidateOut(engineer_id=c["engineer_id"], failed=c.get("failed", []), score=c.get("score"))
                    for c in d.candidates],
    )  # fmt: skip


def _parse(body: dict[str, Any], message: Any, field: str) -> Any:
    """A REST body as its proto message: enums in the one short spelling (`DUTY_ENGINEER`)."""
    return from_rest(body, message, field)


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidArgument.for_field(field, "give an offset, e.g. 2026-02-16T10:00:00+08:00")
    return value


def dispatch_router(handlers: DispatchHandlers) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["dispatch"])

    @router.get("/duty", response_model=DutyOut)
    async def duty(principal: PrincipalDep, region: str, team: str = "", at: datetime | None = None) -> DutyOut:
        """Who the region's rosters have on duty at `at` (default now)."""
        require_staff(principal)
        require_region(principal, region)
        moment, answers = await handlers.who_is_on_duty(region, team, _aware(at, "at") if at else None)
        ids = list(dict.fromkeys(e for a in answers for e in a.engineer_ids))
        return DutyOut(region=region, at=moment, engineer_ids=ids, rosters=[_duty(a) for a in answers])

    @router.put("/engineers/{engineer_id}")
    async def put_engineer(principal: PrincipalDep, engineer_id: str,
                           body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        """Create or replace an engineer (aftercare.dispatch.v1.Engineer as JSON)."""
        require_manager(principal)
        message = _parse({**body, "engineer_id": engineer_id}, pb.Engineer(), "engineer")
        return to_rest(engineer_to_proto(await handlers.put_engineer(message)))

    @router.get("/engineers")
    async def list_engineers(principal: PrincipalDep, region: str = "") -> list[dict[str, Any]]:
        require_staff(principal)
        require_region(principal, region)
        return [to_rest(engineer_to_proto(e)) for e in await handlers.engineers(region)]

    @router.put("/rosters/{roster_id}")
    async def put_roster(principal: PrincipalDep, roster_id: str,
                         body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        """Create or replace a roster (aftercare.dispatch.v1.Roster as JSON)."""
        require_manager(principal)
        message = _parse({**body, "roster_id": roster_id}, pb.Roster(), "roster")
        return to_rest(await handlers.put_roster(message))

    @router.get("/rosters/{roster_id}")
    async def get_roster(principal: PrincipalDep, roster_id: str) -> dict[str, Any]:
        require_staff(principal)
        return to_rest(await handlers.roster_message(roster_id))

    @router.get("/rosters/{roster_id}/gaps", response_model=list[GapOut])
    async def gaps(principal: PrincipalDep, roster_id: str, start: datetime,
                   end: Annotated[datetime | None, Query()] = None) -> list[GapOut]:
        """When the roster has nobody on duty between start and end (default a week), and why."""
        require_staff(principal)
        roster = await handlers.roster(roster_id)
        begin = _aware(start, "start")
        finish = _aware(end, "end") if end else begin + timedelta(days=7)
        return [GapOut(start=g.start, end=g.end, reason=g.reason) for g in coverage_gaps(roster, begin, finish)]

    @router.get("/cases/{case_id}/assignment", response_model=list[DecisionOut])
    async def explain(principal: PrincipalDep, case_id: str) -> list[DecisionOut]:
        """Why the case went to whom: every decision, its candidates and the rule that chose."""
        require_staff(principal)
        return [_decision(d) for d in await handlers.explain(case_id)]

    return router
