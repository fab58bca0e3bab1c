"""Dispatch's tables, read and written in a caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftercare_platform.db.statements import among, insert_ignore, is_postgres, upsert
from aftercare_platform.db.unit_of_work import UnitOfWork
from sqlalchemy import func, select, text, update

from dispatch.adapters.tables import (
    case_view,
    decisions,
    engineers,
    loaners,
    rmas,
    rosters,
    teams,
    vendor_engagements,
    visit_requests,
    visits,
)
from dispatch.domain.routing import Candidate, Load, RoutingDecision, Workload


async def put_document(uow: UnitOfWork, table: Any, key: str, values: dict[str, Any]) -> None:
    await uow.connection.execute(upsert(uow.connection, table, ["id"], {"id": key, **values}))


async def put_engineer(uow: UnitOfWork, engineer_id: str, subject: str, doc: dict[str, Any], at: datetime) -> None:
    await put_document(uow, engineers, engineer_id, {"subject": subject, "document": doc, "updated_at": at})


async def put_team(uow: UnitOfWork, team_id: str, region: str, doc: dict[str, Any], at: datetime) -> None:
    await put_document(uow, teams, team_id, {"region": region, "document": doc, "updated_at": at})


async def put_roster(uow: UnitOfWork, roster_id: str, region: str, team: str, doc: dict[str, Any],
                     at: datetime) -> None:
    await put_document(uow, rosters, roster_id, {"region": region, "team": team, "document": doc, "updated_at": at})


async def get_document(uow: UnitOfWork, table: Any, key: str) -> dict[str, Any] | None:
    row = (await uow.connection.execute(select(table.c.document).where(table.c.id == key))).first()
    return None if row is None else dict(row.document)


async def all_documents(uow: UnitOfWork, table: Any, region: str = "") -> list[dict[str, Any]]:
    query = select(table.c.document).order_by(table.c.id)
    if region and "region" in table.c:
        query = query.where(table.c.region == region)
    return [dict(row.document) for row in (await uow.connection.execute(query))]


async def lock_region(uow: UnitOfWork, region: str) -> None:
    """Routing decisions of one region one at a time (across replicas), so each sees the last one's load."""
    if is_postgres(uow.connection):
        await uow.connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"dispatch.route.{region}"}
        )


async def workload(uow: UnitOfWork, engineer_ids: Sequence[str], day: str) -> Workload:
    """Open cases per engineer (from the case view), and today's assignments (from the decisions)."""
    if not engineer_ids:
        return Workload()
    open_rows = await uow.connection.execute(
        select(case_view.c.assignee_id, func.count())
        .where(case_view.c.open.is_(True), case_view.c.assignee_id.in_(engineer_ids))
        .group_by(case_view.c.assignee_id)
    )
    open_cases = {row[0]: int(row[1]) for row in open_rows}
    given = await uow.connection.execute(
        select(decisions.c.chosen, func.count(), func.max(decisions.c.decided_at))
        .where(decisions.c.chosen.in_(engineer_ids), decisions.c.day == day,
               among(decisions.c.purpose, ("route", "replace")))
        .group_by(decisions.c.chosen)
    )  # fmt: skip
    today = {row[0]: (int(row[1]), row[2]) for row in given}
    loads = {
        e: Load(open_cases.get(e, 0), today.get(e, (0, None))[0], today.get(e, (0, None))[1], day)
        for e in engineer_ids
    }
    return Workload(loads)


@dataclass(frozen=True)
class StoredDecision:
    key: str
    case_id: str
    purpose: str
    chosen: str | None
    previous: str | None
    rule: str
    summary: str
    candidates: list[dict[str, Any]]
    decided_at: datetime
    state: str
    outcome: str


def candidates_document(candidates: Sequence[Candidate]) -> list[dict[str, Any]]:
    out = []
    for c in candidates:
        item: dict[str, Any] = {"engineer_id": c.engineer_id, "failed": list(c.failed)}
        if c.score is not None:
            item["score"] = {"key_account": c.score[0] == 0, "open_cases": c.score[1],
                             "assigned_today": c.score[2], "last_assigned_at": c.score[3] or None}
        out.append(item)
    return out


async def find_decision(uow: UnitOfWork, key: str) -> StoredDecision | None:
    row = (await uow.connection.execute(select(decisions).where(decisions.c.key == key))).mappings().first()
    return None if row is None else _stored(row)


async def record_decision(
    uow: UnitOfWork, key: str, *, purpose: str, decision: RoutingDecision | None, case_id: str, day: str,
    at: datetime, previous: str | None = None, state: str = "pending", rule: str = "", summary: str = "",
) -> StoredDecision:
    """Insert the decision under `key` unless one is there; either way return the one that holds."""
    values = {
        "key": key, "case_id": case_id, "purpose": purpose,
        "chosen": decision.chosen if decision else None, "previous": previous or None,
        "rule": decision.rule if decision else rule, "summary": decision.summary if decision else summary,
        "candidates": candidates_document(decision.candidates) if decision else [],
        "decided_at": at, "day": day, "state": state, "outcome": "",
    }  # fmt: skip
    await uow.connection.execute(insert_ignore(uow.connection, decisions, ["key"], values))
    found = await find_decision(uow, key)
    assert found is not None
    return found


async def finish_decision(uow: UnitOfWork, key: str, state: str, outcome: str) -> bool:
    """Mark a pending decision carried out (or refused); False when another delivery already did."""
    result = await uow.connection.execute(
        update(decisions).where(decisions.c.key == key, decisions.c.state == "pending")
        .values(state=state, outcome=outcome[:2000])
    )  # fmt: skip
    return bool(getattr(result, "rowcount", 0))


async def decisions_of(uow: UnitOfWork, case_id: str) -> list[StoredDecision]:
    rows = await uow.connection.execute(
        select(decisions).where(decisions.c.case_id == case_id).order_by(decisions.c.decided_at, decisions.c.key)
    )
    return [_stored(row) for row in rows.mappings()]


def _stored(row: Any) -> StoredDecision:
    return StoredDecision(
        row["key"], row["case_id"], row["purpose"], row["chosen"], row["previous"], row["rule"], row["summary"],
        list(row["candidates"]), row["decided_at"], row["state"], row["outcome"],
    )


# ---- the case view ----------------------------------------------------------------------------


async def note_case(uow: UnitOfWork, *, case_id: str, case_number: str, region: str, company_id: str,
                    assignee_id: str | None, open_: bool, at: datetime) -> None:
    values = {"case_number": case_number, "region": region, "company_id": company_id,
              "assignee_id": assignee_id or None, "open": open_, "updated_at": at}
    await uow.connection.execute(upsert(uow.connection, case_view, ["case_id"], {"case_id": case_id, **values}))


@dataclass(frozen=True)
class CaseViewRow:
    case_id: str
    case_number: str
    region: str
    company_id: str
    assignee_id: str | None
    open: bool


async def case_view_row(uow: UnitOfWork, case_id: str) -> CaseViewRow | None:
    row = (await uow.connection.execute(select(case_view).where(case_view.c.case_id == case_id))).mappings().first()
    if row is None:
        return None
    return CaseViewRow(row["case_id"], row["case_number"], row["region"], row["company_id"], row["assignee_id"],
                       bool(row["open"]))


# ---- visits -------------------------------------------------------------------------------------


async def put_visit(uow: UnitOfWork, visit_id: str, case_id: str, status: str, doc: dict[str, Any],
                    snapshot: dict[str, Any], at: datetime) -> None:
    await put_document(uow, visits, visit_id, {"case_id": case_id, "status": status, "document": doc,
                                               "case_snapshot": snapshot, "updated_at": at})


async def get_visit(uow: UnitOfWork, visit_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The visit's document and its case snapshot, locked for the change that follows (PostgreSQL)."""
    query = select(visits.c.document, visits.c.case_snapshot).where(visits.c.id == visit_id).with_for_update()
    row = (await uow.connection.execute(query)).first()
    return None if row is None else (dict(row.document), dict(row.case_snapshot))


async def claim_visit_request(uow: UnitOfWork, request_id: str, visit_id: str, case_id: str,
                              at: datetime) -> tuple[str, str]:
    """The (visit, case) the key stands for: this one if new, the first one if repeated (a concurrent
    twin waits on the unique key, then reads the winner's row)."""
    await uow.connection.execute(insert_ignore(uow.connection, visit_requests, ["request_id"], {
        "request_id": request_id, "visit_id": visit_id, "case_id": case_id, "at": at}))
    query = select(visit_requests.c.visit_id, visit_requests.c.case_id).where(
        visit_requests.c.request_id == request_id)
    row = (await uow.connection.execute(query)).one()
    return str(row.visit_id), str(row.case_id)


# ---- loaners ------------------------------------------------------------------------------------


async def put_loaner(uow: UnitOfWork, loaner_id: str, case_id: str, status: str, next_action_at: datetime | None,
                     doc: dict[str, Any], snapshot: dict[str, Any], at: datetime) -> None:
    await put_document(uow, loaners, loaner_id, {"case_id": case_id, "status": status,
                                                 "next_action_at": next_action_at, "document": doc,
                                                 "case_snapshot": snapshot, "updated_at": at})


async def get_loaner(uow: UnitOfWork, loaner_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    query = select(loaners.c.document, loaners.c.case_snapshot).where(loaners.c.id == loaner_id).with_for_update()
    row = (await uow.connection.execute(query)).first()
    return None if row is None else (dict(row.document), dict(row.case_snapshot))


async def due_loaners(uow: UnitOfWork, now: datetime, limit: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Loaners with something due, locked; another replica's sweep skips them (PostgreSQL)."""
    query = (select(loaners.c.document, loaners.c.case_snapshot)
             .where(loaners.c.next_action_at.is_not(None), loaners.c.next_action_at <= now)
             .order_by(loaners.c.next_action_at).limit(limit).with_for_update(skip_locked=True))
    return [(dict(r.document), dict(r.case_snapshot)) for r in await uow.connection.execute(query)]


# ---- RMA ----------------------------------------------------------------------------------------


async def put_rma(uow: UnitOfWork, rma_id: str, case_id: str, doc: dict[str, Any], snapshot: dict[str, Any],
                  at: datetime) -> None:
    await put_document(uow, rmas, rma_id, {"case_id": case_id, "document": doc, "case_snapshot": snapshot,
                                           "updated_at": at})


async def get_rma(uow: UnitOfWork, rma_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    query = select(rmas.c.document, rmas.c.case_snapshot).where(rmas.c.id == rma_id).with_for_update()
    row = (await uow.connection.execute(query)).first()
    return None if row is None else (dict(row.document), dict(row.case_snapshot))


async def open_cases_of(uow: UnitOfWork, engineer_ids: Sequence[str]) -> dict[str, list[str]]:
    rows = await uow.connection.execute(
        select(case_view.c.assignee_id, case_view.c.case_id)
        .where(case_view.c.open.is_(True), case_view.c.assignee_id.in_(engineer_ids))
        .order_by(case_view.c.updated_at)
    )
    found: dict[str, list[str]] = {}
    for assignee, case_id in rows:
        found.setdefault(assignee, []).append(case_id)
    return found


async def engineer_by_subject(uow: UnitOfWork, subject: str) -> dict[str, Any] | None:
    """The engineer a token's subject is (the first by id, should two share it)."""
    query = select(engineers.c.document).where(engineers.c.subject == subject).order_by(engineers.c.id).limit(1)
    row = (await uow.connection.execute(query)).first()
    return None if row is None else dict(row.document)


# ---- the original vendor ------------------------------------------------------------------------


async def put_vendor_engagement(uow: UnitOfWork, case_id: str, doc: dict[str, Any], snapshot: dict[str, Any],
                                at: datetime) -> None:
    await put_document(uow, vendor_engagements, case_id, {"document": doc, "case_snapshot": snapshot,
                                                          "updated_at": at})


async def add_vendor_engagement(uow: UnitOfWork, case_id: str, doc: dict[str, Any], snapshot: dict[str, Any],
                                at: datetime) -> bool:
    """The case's engagement unless it has one (True when this one is new): of two concurrent engagements of
    one case, the second waits on the key and adds nothing."""
    result = await uow.connection.execute(insert_ignore(uow.connection, vendor_engagements, ["id"], {
        "id": case_id, "document": doc, "case_snapshot": snapshot, "updated_at": at}))
    return bool(getattr(result, "rowcount", 0))


async def add_loaner(uow: UnitOfWork, loaner_id: str, case_id: str, status: str, next_action_at: datetime | None,
                     doc: dict[str, Any], snapshot: dict[str, Any], at: datetime) -> bool:
    """A new loaner unless one of this id exists (True when new): an id taken from a request key makes a
    concurrent twin of the request add nothing."""
    result = await uow.connection.execute(insert_ignore(uow.connection, loaners, ["id"], {
        "id": loaner_id, "case_id": case_id, "status": status, "next_action_at": next_action_at, "document": doc,
        "case_snapshot": snapshot, "updated_at": at}))
    return bool(getattr(result, "rowcount", 0))


async def get_vendor_engagement(uow: UnitOfWork, case_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    query = (select(vendor_engagements.c.document, vendor_engagements.c.case_snapshot)
             .where(vendor_engagements.c.id == case_id).with_for_update())
    row = (await uow.connection.execute(query)).first()
    return None if row is None else (dict(row.document), dict(row.case_snapshot))
