"""Repositories: plans, checklists, inspections (visits), reports, findings, deliveries and watches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aftercare_platform.db.statements import insert_ignore, upsert
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inspection.adapters import tables as t
from inspection.adapters.codec import decode, encode
from inspection.domain.checklists import Checklist
from inspection.domain.findings import Finding
from inspection.domain.plans import Plan
from inspection.domain.reports import Report
from inspection.domain.visits import Visit, VisitStatus
from inspection.domain.watch import Watch


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ---- plans -------------------------------------------------------------------------------------

async def save_plan(connection: AsyncConnection, plan: Plan, last_done: date | None = None) -> None:
    row = {"id": plan.id, "company_id": plan.company_id, "region": plan.region, "active": plan.active,
           "last_done_on": _day(last_done), "doc": encode(plan)}
    await connection.execute(upsert(connection, t.plans, ["id"], row))


async def set_last_done(connection: AsyncConnection, plan_id: str, day: date) -> None:
    await connection.execute(update(t.plans).where(t.plans.c.id == plan_id).values(last_done_on=day.isoformat()))


async def plan(connection: AsyncConnection, plan_id: str) -> tuple[Plan, date | None] | None:
    row = (await connection.execute(select(t.plans).where(t.plans.c.id == plan_id))).first()
    if row is None:
        return None
    return decode(Plan, row.doc), date.fromisoformat(row.last_done_on) if row.last_done_on else None


async def plans(connection: AsyncConnection, companies: list[str] | None, *, active_only: bool = False,
                after: str | None = None, limit: int | None = None) -> list[Plan]:
    query = select(t.plans).order_by(t.plans.c.id).limit(limit)
    if after is not None:
        query = query.where(t.plans.c.id > after)
    if companies is not None:
        query = query.where(t.plans.c.company_id.in_(companies))
    if active_only:
        query = query.where(t.plans.c.active.is_(True))
    return [decode(Plan, row.doc) for row in await connection.execute(query)]


# ---- checklists ---------------------------------------------------------------------------------

async def latest_checklist(connection: AsyncConnection, checklist_id: str) -> Checklist | None:
    row = (await connection.execute(select(t.checklists).where(t.checklists.c.id == checklist_id)
                                 .order_by(t.checklists.c.version.desc()).limit(1))).first()
    return decode(Checklist, row.doc) if row else None


async def checklist(connection: AsyncConnection, checklist_id: str, version: int) -> Checklist | None:
    row = (await connection.execute(select(t.checklists).where(t.checklists.c.id == checklist_id,
                                                            t.checklists.c.version == version))).first()
    return decode(Checklist, row.doc) if row else None


async def add_checklist(connection: AsyncConnection, version: Checklist) -> bool:
    """False when that version exists already (a concurrent save): the caller tries again."""
    row = {"id": version.id, "version": version.version, "doc": encode(version)}
    result = await connection.execute(insert_ignore(connection, t.checklists, ["id", "version"], row))
    return bool(getattr(result, "rowcount", 0))


# ---- inspections ----------------------------------------------------------------------------

def _visit_row(visit: Visit) -> dict[str, Any]:
    return {"id": visit.id, "plan_id": visit.plan_id, "company_id": visit.company_id, "region": visit.region,
            "status": visit.status.value, "scheduled_on": visit.scheduled_on.isoformat(),
            "notice_on": _day(visit.notice_on), "notice_sent": visit.notice_sent_at is not None,
            "doc": encode(visit)}


async def add_visit(connection: AsyncConnection, visit: Visit) -> bool:
    """True when new: the same occurrence scheduled twice is one visit."""
    result = await connection.execute(insert_ignore(connection, t.visits, ["id"], _visit_row(visit)))
    return bool(getattr(result, "rowcount", 0))


async def save_visit(connection: AsyncConnection, visit: Visit) -> None:
    await connection.execute(upsert(connection, t.visits, ["id"], _visit_row(visit)))


async def visit(connection: AsyncConnection, visit_id: str, *, for_update: bool = False) -> Visit | None:
    query = select(t.visits).where(t.visits.c.id == visit_id)
    row = (await connection.execute(query.with_for_update() if for_update else query)).first()
    return decode(Visit, row.doc) if row else None


async def visits(connection: AsyncConnection, *, companies: list[str] | None = None, plan_id: str = "",
                 status: str = "", scheduled_from: date | None = None, scheduled_until: date | None = None,
                 limit: int = 500, after: tuple[str, str] | None = None) -> list[Visit]:
    query = select(t.visits).order_by(t.visits.c.scheduled_on, t.visits.c.id).limit(limit)
    if after is not None:  # keyset: after (scheduled day, id)
        query = query.where(or_(t.visits.c.scheduled_on > after[0],
                                and_(t.visits.c.scheduled_on == after[0], t.visits.c.id > after[1])))
    if companies is not None:
        query = query.where(t.visits.c.company_id.in_(companies))
    if plan_id:
        query = query.where(t.visits.c.plan_id == plan_id)
    if status:
        query = query.where(t.visits.c.status == status)
    if scheduled_from:
        query = query.where(t.visits.c.scheduled_on >= scheduled_from.isoformat())
    if scheduled_until:
        query = query.where(t.visits.c.scheduled_on <= scheduled_until.isoformat())
    return [decode(Visit, row.doc) for row in await connection.execute(query)]


async def notices_owed(connection: AsyncConnection, today: date, limit: int = 100) -> list[Visit]:
    query = select(t.visits).where(t.visits.c.status == VisitStatus.SCHEDULED.value,
                                   t.visits.c.notice_sent.is_(False), t.visits.c.notice_on <= today.isoformat())
    rows = await connection.execute(query.order_by(t.visits.c.notice_on).limit(limit).with_for_update(skip_locked=True))
    return [decode(Visit, row.doc) for row in rows]


async def possibly_missed(connection: AsyncConnection, before: date, limit: int = 100) -> list[Visit]:
    query = select(t.visits).where(t.visits.c.status == VisitStatus.SCHEDULED.value,
                                   t.visits.c.scheduled_on < before.isoformat())
    rows = await connection.execute(
        query.order_by(t.visits.c.scheduled_on).limit(limit).with_for_update(skip_locked=True))
    return [decode(Visit, row.doc) for row in rows]


async def next_scheduled(connection: AsyncConnection, plan_id: str) -> Visit | None:
    found = await visits(connection, plan_id=plan_id, status=VisitStatus.SCHEDULED.value, limit=1)
    return found[0] if found else None


# ---- reports ---------------------------------------------------------------------------------

def _report_row(report: Report) -> dict[str, Any]:
    return {"visit_id": report.visit_id, "company_id": report.company_id, "state": report.state.value,
            "due_at": report.due_at, "warn_at": report.warn_at, "warned": report.warned_at is not None,
            "overdue": report.overdue_at is not None, "doc": encode(report)}


async def save_report(connection: AsyncConnection, report: Report) -> None:
    await connection.execute(upsert(connection, t.reports, ["visit_id"], _report_row(report)))


async def report(connection: AsyncConnection, visit_id: str) -> Report | None:
    row = (await connection.execute(select(t.reports).where(t.reports.c.visit_id == visit_id))).first()
    return decode(Report, row.doc) if row else None


async def reports_to_flag(connection: AsyncConnection, now: datetime, limit: int = 100) -> list[Report]:
    """Reports still due whose warning or deadline has come (compared in the database: never early)."""
    due = t.reports.c.state == "due"
    query = select(t.reports).where(due, or_(and_(t.reports.c.overdue.is_(False), t.reports.c.due_at <= now),
                                             and_(t.reports.c.warned.is_(False), t.reports.c.warn_at <= now)))
    rows = await connection.execute(query.order_by(t.reports.c.due_at).limit(limit).with_for_update(skip_locked=True))
    return [decode(Report, row.doc) for row in rows]


async def reports_of(connection: AsyncConnection, visit_ids: list[str]) -> dict[str, Report]:
    if not visit_ids:
        return {}
    rows = await connection.execute(select(t.reports).where(t.reports.c.visit_id.in_(visit_ids)))
    return {row.visit_id: decode(Report, row.doc) for row in rows}


# ---- findings ---------------------------------------------------------------------------------

async def add_finding(connection: AsyncConnection, finding: Finding) -> bool:
    row = {"id": finding.id, "visit_id": finding.visit_id, "company_id": finding.company_id,
           "state": finding.state.value, "doc": encode(finding)}
    result = await connection.execute(insert_ignore(connection, t.findings, ["id"], row))
    return bool(getattr(result, "rowcount", 0))


async def save_finding(connection: AsyncConnection, finding: Finding) -> None:
    row = {"id": finding.id, "visit_id": finding.visit_id, "company_id": finding.company_id,
           "state": finding.state.value, "doc": encode(finding)}
    await connection.execute(upsert(connection, t.findings, ["id"], row))


async def finding(connection: AsyncConnection, finding_id: str) -> Finding | None:
    row = (await connection.execute(select(t.findings).where(t.findings.c.id == finding_id))).first()
    return decode(Finding, row.doc) if row else None


async def findings_of_visits(connection: AsyncConnection, visit_ids: list[str]) -> list[Finding]:
    if not visit_ids:
        return []
    rows = await connection.execute(select(t.findings).where(t.findings.c.visit_id.in_(visit_ids)))
    return [decode(Finding, row.doc) for row in rows]


async def findings_of(connection: AsyncConnection, visit_id: str) -> list[Finding]:
    rows = await connection.execute(
        select(t.findings).where(t.findings.c.visit_id == visit_id).order_by(t.findings.c.id))
    return [decode(Finding, row.doc) for row in rows]


# ---- deliveries --------------------------------------------------------------------------------

async def owe(connection: AsyncConnection, *, key: str, kind: str, subject_id: str, payload: dict[str, Any],
              at: datetime) -> None:
    """A call to make once this transaction commits (the same key twice is one delivery)."""
    row = {"id": key, "kind": kind, "subject_id": subject_id, "state": "pending", "attempts": 0, "next_at": at,
           "last_error": "", "payload": payload}
    await connection.execute(insert_ignore(connection, t.deliveries, ["id"], row))


async def claim_deliveries(connection: AsyncConnection, now: datetime, lease_until: datetime,
                           limit: int = 16) -> list[dict[str, Any]]:
    """Due deliveries, leased (their due time moved on) so no other worker takes them meanwhile."""
    query = select(t.deliveries).where(t.deliveries.c.state == "pending", t.deliveries.c.next_at <= now) \
        .order_by(t.deliveries.c.next_at).limit(limit).with_for_update(skip_locked=True)
    rows = [dict(row._mapping) for row in await connection.execute(query)]
    if rows:
        await connection.execute(update(t.deliveries).where(t.deliveries.c.id.in_([r["id"] for r in rows]))
                              .values(next_at=lease_until, attempts=t.deliveries.c.attempts + 1))
    return rows


async def settle_delivery(connection: AsyncConnection, key: str, *, state: str, error: str = "",
                          next_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"state": state, "last_error": error[:2000]}
    if next_at is not None:
        values["next_at"] = next_at
    await connection.execute(update(t.deliveries).where(t.deliveries.c.id == key).values(**values))


async def deliveries_pending(connection: AsyncConnection) -> int:
    query = select(func.count()).select_from(t.deliveries).where(t.deliveries.c.state == "pending")
    return int((await connection.execute(query)).scalar_one())


# ---- data sets -----------------------------------------------------------------------------------

async def add_data_set(connection: AsyncConnection, data_set_id: str, visit_id: str, content_type: str,
                       content: bytes) -> None:
    await connection.execute(insert(t.data_sets).values(id=data_set_id, visit_id=visit_id, content_type=content_type,
                                                     content=content))


# ---- watches -------------------------------------------------------------------------------------

async def save_watch(connection: AsyncConnection, watch: Watch) -> None:
    row = {"id": watch.id, "company_id": watch.company_id, "region": watch.region, "doc": encode(watch)}
    await connection.execute(upsert(connection, t.watches, ["id"], row))


async def watch(connection: AsyncConnection, watch_id: str) -> Watch | None:
    row = (await connection.execute(select(t.watches).where(t.watches.c.id == watch_id))).first()
    return decode(Watch, row.doc) if row else None


async def delivery_payload(connection: AsyncConnection, key: str) -> dict[str, Any]:
    row = (await connection.execute(select(t.deliveries.c.payload).where(t.deliveries.c.id == key))).first()
    return dict(row.payload) if row and row.payload else {}


async def update_delivery_payload(connection: AsyncConnection, key: str, payload: dict[str, Any]) -> None:
    await connection.execute(update(t.deliveries).where(t.deliveries.c.id == key).values(payload=payload))
