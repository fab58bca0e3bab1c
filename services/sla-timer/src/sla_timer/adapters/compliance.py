"""Compliance facts (one row per clock cycle with a verdict) and the report grouped over them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aftercare_platform.auth.access import AccessScope
from aftercare_platform.calendar import Calendar
from aftercare_platform.db.statements import is_postgres, upsert
from sqlalchemy import and_, case, delete, func, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from sla_timer.adapters.tables import SCHEMA, compliance_facts
from sla_timer.domain.clock_model import ClockStatus, SlaClock
from sla_timer.domain.vocabulary import ClockKind, Priority

MET, BREACHED = "met", "breached"


@dataclass(frozen=True)
class Where:
    """Where the case lives, as the facts record it."""

    company_id: str
    region: str


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
    session: AsyncSession,
    clocks: Iterable[tuple[Where, SlaClock]],
    calendars: Mapping[str, Calendar],
    now: datetime,
) -> None:
    """Bring each clock's current-cycle fact up to date (a withdrawn breach or a cancel removes it)."""
    upserts: list[dict[str, Any]] = []
    for where, clock in clocks:
        fact = fact_of(clock, calendars)
        if fact is None:
            await session.execute(
                delete(compliance_facts).where(
                    compliance_facts.c.case_id == clock.case_id,
                    compliance_facts.c.kind == clock.kind.value,
                    compliance_facts.c.cycle == clock.cycle,
                )
            )
        else:
            upserts.append({**fact, "company_id": where.company_id, "region": where.region, "updated_at": now})
    if not upserts:
        return
    if is_postgres(session):
        await session.execute(_UPSERT_MANY, {name: [row[name] for row in upserts] for name in _FACT_COLUMNS})
        return
    changed = [c.name for c in compliance_facts.columns if c.name not in KEY]
    await session.execute(upsert(session, compliance_facts, KEY, update=changed), upserts)


KEY = ("case_id", "kind", "cycle")
# a fact's columns (but updated_at) and their PostgreSQL types, for writing a batch as arrays
FACT_TYPES = {
    "case_id": "text",
    "kind": "text",
    "cycle": "int",
    "company_id": "text",
    "region": "text",
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
FACT_UPSERT = "ON CONFLICT (case_id, kind, cycle) DO UPDATE SET " + ", ".join(
    f"{n} = excluded.{n}" for n in _FACT_COLUMNS if n not in KEY
)
# the batch as arrays in one statement (a handler's changed clocks; embedded firing)
_UPSERT_MANY = text(
    f"""INSERT INTO "{SCHEMA}".compliance_facts ({", ".join(_FACT_COLUMNS)})
    SELECT * FROM unnest({", ".join(f"CAST(:{n} AS {t}[])" for n, t in _ALL_TYPES.items())})
    {FACT_UPSERT}"""
)


@dataclass(frozen=True)
class ReportFilter:
    company_ids: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    kinds: frozenset[ClockKind] = frozenset()
    from_month: str = ""
    to_month: str = ""


@dataclass(frozen=True)
class ReportRow:
    company_id: str
    region: str
    priority: Priority
    kind: ClockKind
    month: str
    met: int
    breached: int

    @property
    def compliance_percent(self) -> float:
        total = self.met + self.breached
        return round(100.0 * self.met / total, 2) if total else 100.0


@dataclass(frozen=True)
class Report:
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(r.met for r in self.rows)

    @property
    def breached(self) -> int:
        return sum(r.breached for r in self.rows)

    @property
    def compliance_percent(self) -> float:
        total = self.met + self.breached
        return round(100.0 * self.met / total, 2) if total else 100.0


async def compliance_report(session: AsyncSession, wanted: ReportFilter, scope: AccessScope) -> Report:
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
    if wanted.from_month:
        conditions.append(f.month >= wanted.from_month)
    if wanted.to_month:
        conditions.append(f.month <= wanted.to_month)
    groups = (f.company_id, f.region, f.priority, f.kind, f.month)
    query = (
        select(
            *groups,
            func.sum(case((f.outcome == MET, 1), else_=0)).label("met"),
            func.sum(case((f.outcome == BREACHED, 1), else_=0)).label("breached"),
        )
        .where(and_(true(), *conditions))
        .group_by(*groups)
        .order_by(*groups)
    )
    rows = (await session.execute(query)).all()
    return Report(
        [
            ReportRow(
                r.company_id, r.region, Priority(r.priority), ClockKind(r.kind), r.month, int(r.met), int(r.breached)
            )
            for r in rows
        ]
    )
