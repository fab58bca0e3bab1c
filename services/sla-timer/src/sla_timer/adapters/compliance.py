"""Compliance facts (one row per clock cycle with a verdict) and the report grouped over them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aftercare_platform.auth.access import AccessScope
from aftercare_platform.calendar import Calendar
from aftercare_platform.db.statements import is_postgres, upsert
from sqlalchemy import and_, case, delete, func, literal, select, text, true
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from sla_timer.adapters.tables import SCHEMA, compliance_facts
from sla_timer.domain.clock_model import ClockStatus, SlaClock
from sla_timer.domain.report import Report, ReportFilter, ReportRow
from sla_timer.domain.vocabulary import ClockKind, Priority

MET, BREACHED = "met", "breached"


@dataclass(frozen=True)
class Where:
    """Where the case lives, as the facts record it."""

    company_id: str
    region: str
    # who held the case when the outcome happened ("" unassigned)
    engineer_id: str = ""


def fact_of(clock: SlaClock, calendars: Mapping[str, Calendar]) -> dict[str, Any] | None:
    """The verdict a clock's current cycle counts as: met, breached, or none yet (open, stopped, cancelled),
    under the priority and target in force when it happened (a P1 breach stays a P1 breach after a change)."""
    if not clock.revisions or clock.status is ClockStatus.CANCELLED:
        return None
    breach = clock.breach
    if breach is not None:
        outcome, verdict_at = BREACHED, breach.due_at
        revision = clock.revision_at(breach.due_at)
    elif clock.status is ClockStatus.MET and clock.stopped_at is not None:
        outcome, verdict_at = MET, clock.stopped_at
        revision = clock.revision
    else:
        return None
    target = revision.target
    if target is None:
        return None
    if breach is not None:
        used = clock.business_elapsed_at_stop if clock.business_elapsed_at_stop is not None else target.target
    else:
        used = clock.business_elapsed_at_stop if clock.business_elapsed_at_stop is not None else timedelta(0)
    calendar = calendars.get(target.calendar)
    zone = calendar.zone if calendar is not None else ZoneInfo("UTC")
    return {
        "case_id": clock.case_id,
        "kind": clock.kind.value,
        "cycle": clock.cycle,
        "priority": revision.priority.value,
        "policy": revision.policy,
        "outcome": outcome,
        "month": verdict_at.astimezone(zone).strftime("%Y-%m"),
        "verdict_at": verdict_at,
        "business_elapsed_seconds": used.total_seconds(),
        "target_seconds": target.target.total_seconds(),
    }


async def record_facts(
    connection: AsyncConnection,
    clocks: Iterable[tuple[Where, SlaClock]],
    calendars: Mapping[str, Calendar],
    now: datetime,
) -> None:
    """Bring each clock's current-cycle fact up to date (a withdrawn breach or a cancel removes it)."""
    upserts: list[dict[str, Any]] = []
    for where, clock in clocks:
        fact = fact_of(clock, calendars)
        if fact is None:
            await connection.execute(
                delete(compliance_facts).where(
                    compliance_facts.c.case_id == clock.case_id,
                    compliance_facts.c.kind == clock.kind.value,
                    compliance_facts.c.cycle == clock.cycle,
                )
            )
        else:
            placed = {"company_id": where.company_id, "region": where.region, "engineer_id": where.engineer_id}
            upserts.append({**fact, **placed, "updated_at": now})
    if not upserts:
        return
    if is_postgres(connection):
        await connection.execute(_UPSERT_MANY, {name: [row[name] for row in upserts] for name in _FACT_COLUMNS})
        return
    changed = [c.name for c in compliance_facts.columns if c.name not in KEPT]
    await connection.execute(upsert(connection, compliance_facts, KEY, update=changed), upserts)


KEY = ("case_id", "kind", "cycle")
# a fact's columns (but updated_at) and their PostgreSQL types, for writing a batch as arrays
FACT_TYPES = {
    "case_id": "text",
    "kind": "text",
    "cycle": "int",
    "company_id": "text",
    "region": "text",
    "engineer_id": "text",
    "priority": "text",
    "policy": "text",
    "outcome": "text",
    "month": "text",
    "verdict_at": "timestamptz",
    "business_elapsed_seconds": "float8",
    "target_seconds": "float8",
}
_ALL_TYPES = {**FACT_TYPES, "updated_at": "timestamptz"}
_FACT_COLUMNS = tuple(_ALL_TYPES)
# how every batch writer of facts (here, and the firing statement in pg_firing.py) ends its INSERT
# the engineer is who held the case when the outcome happened: a later write of the same outcome (the
# breached clock stopped after a reassignment) keeps it; a changed outcome was deleted first
KEPT = (*KEY, "engineer_id")
FACT_UPSERT = "ON CONFLICT (case_id, kind, cycle) DO UPDATE SET " + ", ".join(
    f"{n} = excluded.{n}" for n in _FACT_COLUMNS if n not in KEPT
)
# the batch as arrays in one statement (a handler's changed clocks; embedded firing)
_UPSERT_MANY = text(
    f"""INSERT INTO "{SCHEMA}".compliance_facts ({", ".join(_FACT_COLUMNS)})
    SELECT * FROM unnest({", ".join(f"CAST(:{n} AS {t}[])" for n, t in _ALL_TYPES.items())})
    {FACT_UPSERT}"""
)


async def compliance_report(
    connection: AsyncConnection, wanted: ReportFilter, scope: AccessScope, *, by_engineer: bool = True
) -> Report:
    """Met and breached per company, region, priority (in force when it happened), clock, month and
    engineer (who held the case then; left out with `by_engineer` False, for customers and partners)."""
    f = compliance_facts.c
    conditions: list[ColumnElement[bool]] = []
    if wanted.company_ids:
        conditions.append(f.company_id.in_(sorted(wanted.company_ids)))
    if scope.companies is not None:
        conditions.append(f.company_id.in_(sorted(scope.companies)))
    if wanted.regions:
        conditions.append(f.region.in_(sorted(wanted.regions)))
    if scope.regions is not None:
        conditions.append(f.region.in_(sorted(scope.regions)))
    if wanted.priorities:
        conditions.append(f.priority.in_(sorted(p.value for p in wanted.priorities)))
    if wanted.kinds:
        conditions.append(f.kind.in_(sorted(k.value for k in wanted.kinds)))
    if wanted.engineer_ids:
        conditions.append(f.engineer_id.in_(sorted(wanted.engineer_ids)))
    if wanted.from_month:
        conditions.append(f.month >= wanted.from_month)
    if wanted.to_month:
        conditions.append(f.month <= wanted.to_month)
    engineer = f.engineer_id if by_engineer else literal("").label("engineer_id")
    groups = (f.company_id, f.region, f.priority, f.kind, f.month, engineer)
    query = (
        select(
            *groups,
            func.sum(case((f.outcome == MET, 1), else_=0)).label("met"),
            func.sum(case((f.outcome == BREACHED, 1), else_=0)).label("breached"),
        )
        .where(and_(true(), *conditions))
        .group_by(*groups[:5], *((f.engineer_id,) if by_engineer else ()))
        .order_by(*groups[:5], *((f.engineer_id,) if by_engineer else ()))
    )
    rows = (await connection.execute(query)).all()
    return Report(
        [
            ReportRow(
                r.company_id,
                r.region,
                Priority(r.priority),
                ClockKind(r.kind),
                r.month,
                int(r.met),
                int(r.breached),
                r.engineer_id or "",
            )
            for r in rows
        ]
    )
