"""survey's rows in and out: invitations, answers, opt-outs, case facts, calls to cases, return visits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast

from aftercare_platform.auth.access import ensure_access
from aftercare_platform.auth.principal import Principal
from aftercare_platform.db.statements import Bind, among, insert_ignore, prebuilt, upsert
from aftercare_platform.errors import NotFound
from sqlalchemy import ColumnElement, and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from survey.adapters.tables import (
    answers,
    campaigns,
    case_calls,
    case_facts,
    invitations,
    opt_outs,
    return_visits,
)
from survey.domain.invitation import Invitation, InvitationStatus
from survey.domain.return_visit import Outcome, ReturnVisit, ReturnVisitStatus
from survey.domain.sla_counts import SlaCount


def _insert_new(connection: AsyncConnection, table: Any, key: list[str], **values: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on either database: a repeat of the same fact adds nothing."""
    return insert_ignore(connection, table, key, values)


# ---- invitations ---------------------------------------------------------------------------

_INVITATION_FIELDS = [c.name for c in invitations.columns if c.name not in ("contact_key", "attempts")]


def _invitation(row: Any) -> Invitation:
    values = {name: getattr(row, name) for name in _INVITATION_FIELDS}
    return Invitation(**(values | {"status": InvitationStatus(row.status), "case_id": row.case_id or ""}))


def _invitation_values(invitation: Invitation) -> dict[str, Any]:
    return asdict(invitation) | {"status": invitation.status.value, "contact_key": invitation.contact_key,
                                 "case_id": invitation.case_id or None}


async def add_invitation(connection: AsyncConnection, invitation: Invitation) -> bool:
    """False when this closing already has its invitation (a redelivered close)."""
    statement = _insert_new(connection, invitations, ["case_id", "closed_at"],
                            **(_invitation_values(invitation) | {"attempts": 0}))
    return bool((await connection.execute(statement)).rowcount)


async def save_invitation(connection: AsyncConnection, invitation: Invitation) -> None:
    await connection.execute(update(invitations).where(invitations.c.id == invitation.id)
                          .values(**_invitation_values(invitation)))


async def load_invitation(
    connection: AsyncConnection, invitation_id: str, *, for_update: bool = False
) -> Invitation | None:
    query = select(invitations).where(invitations.c.id == invitation_id)
    row = (await connection.execute(query.with_for_update() if for_update else query)).first()
    return None if row is None else _invitation(row)


async def latest_for_case(connection: AsyncConnection, case_id: str) -> Invitation | None:
    """The invitation of the case's latest closing (None: survey has heard of no closing of it)."""
    query = (select(invitations).where(invitations.c.case_id == case_id)
             .order_by(invitations.c.closed_at.desc(), invitations.c.id.desc()).limit(1))
    row = (await connection.execute(query)).first()
    return None if row is None else _invitation(row)


async def case_invitation_for(connection: AsyncConnection, viewer: Principal, case_id: str) -> Invitation:
    """The invitation of the case's latest closing, if `viewer` may see it: a case survey has heard of no
    closing of and another company's (or region's) case are the same NotFound."""
    invitation = await latest_for_case(connection, case_id)
    if invitation is None:
        raise NotFound("case survey not found")
    ensure_access(viewer, invitation.company_id, invitation.region, resource="case survey")
    return invitation


async def scheduled_for_case(connection: AsyncConnection, case_id: str) -> list[Invitation]:
    query = (select(invitations).where(invitations.c.case_id == case_id,
                                       invitations.c.status == InvitationStatus.SCHEDULED.value)
             .with_for_update())
    return [_invitation(row) for row in await connection.execute(query)]


async def claim_due_invitations(connection: AsyncConnection, *, now: datetime, lease_until: datetime,
                                limit: int) -> list[str]:
    """Due scheduled invitations, leased (their due time moved on) so no other worker takes them meanwhile."""
    query = (select(invitations.c.id).where(invitations.c.status == InvitationStatus.SCHEDULED.value,
                                            invitations.c.due_at <= now)
             .order_by(invitations.c.due_at).limit(limit).with_for_update(skip_locked=True))
    ids = list((await connection.execute(query)).scalars())
    if ids:
        await connection.execute(update(invitations).where(invitations.c.id.in_(ids))
                              .values(due_at=lease_until, attempts=invitations.c.attempts + 1))
    return ids


async def postpone_invitation(connection: AsyncConnection, invitation_id: str,
                              due_after: Callable[[int], datetime]) -> None:
    """Cases did not answer: the invitation waits, longer after every failed attempt."""
    attempts = (await connection.execute(select(invitations.c.attempts)
                                      .where(invitations.c.id == invitation_id))).scalar_one()
    await connection.execute(update(invitations).where(invitations.c.id == invitation_id)
                          .values(due_at=due_after(int(attempts))))


async def surveyed_closing(connection: AsyncConnection, case_id: str, reopen_count: int, besides: str) -> bool:
    """Whether this closing of the case was already surveyed (one survey per case)."""
    query = select(func.count()).select_from(invitations).where(
        invitations.c.case_id == case_id, invitations.c.reopen_count == reopen_count, invitations.c.id != besides,
        among(invitations.c.status, (InvitationStatus.SENT.value, InvitationStatus.ANSWERED.value)))
    return bool((await connection.execute(query)).scalar_one())


async def last_invited_at(connection: AsyncConnection, contact_key: str, other_than_case: str) -> datetime | None:
    """The contact's last survey about another case (a reopened case's new survey is not fatigue)."""
    query = select(func.max(invitations.c.sent_at)).where(invitations.c.contact_key == contact_key,
                                                          invitations.c.case_id != other_than_case)
    return cast(datetime | None, (await connection.execute(query)).scalar_one())


# ---- answers and opt-outs ---------------------------------------------------------------------

async def add_answer(connection: AsyncConnection, invitation_id: str, values: dict[str, Any], unsatisfied: bool,
                     at: datetime) -> None:
    await connection.execute(insert(answers).values(invitation_id=invitation_id, values=values, unsatisfied=unsatisfied,
                                                 answered_at=at, complaint_filed=False))


async def load_answer(connection: AsyncConnection, invitation_id: str) -> Any:
    return (await connection.execute(select(answers).where(answers.c.invitation_id == invitation_id))).first()


async def mark_complaint_filed(connection: AsyncConnection, invitation_id: str) -> bool:
    """True the first time only: one complaint per answered survey."""
    result = await connection.execute(update(answers).where(answers.c.invitation_id == invitation_id,
                                                         answers.c.complaint_filed.is_(False))
                                   .values(complaint_filed=True))
    return bool(result.rowcount)


async def opt_out(connection: AsyncConnection, contact_key: str, at: datetime) -> None:
    await connection.execute(_insert_new(connection, opt_outs, ["contact_key"], contact_key=contact_key, at=at))


async def opted_out(connection: AsyncConnection, contact_key: str) -> bool:
    query = select(func.count()).select_from(opt_outs).where(opt_outs.c.contact_key == contact_key)
    return bool((await connection.execute(query)).scalar_one())


# ---- case facts -----------------------------------------------------------------------------

async def bump_fact(connection: AsyncConnection, case_id: str, **increments: int) -> None:
    """Add to a case's counters (reopen_count, sla_breaches, sla_met), creating its row first."""
    await connection.execute(_insert_new(connection, case_facts, ["case_id"], case_id=case_id, reopen_count=0,
                                      sla_breaches=0, sla_met=0, field_visit=False))
    if increments:
        await connection.execute(update(case_facts).where(case_facts.c.case_id == case_id).values(
            **{name: getattr(case_facts.c, name) + amount for name, amount in increments.items()}))


async def add_sla_counts(connection: AsyncConnection, totals: Sequence[SlaCount]) -> None:
    """Add each case's SLA changes to its counters, creating the row first, with one statement for them all."""
    if totals:
        await connection.execute(prebuilt(connection, _add_sla_counts), [
            {"case_id": total.case_id, "reopen_count": 0, "sla_breaches": total.breaches, "sla_met": total.met,
             "field_visit": False} for total in totals])


def _add_sla_counts(bind: Bind) -> Any:
    return upsert(bind, case_facts, ["case_id"], update=[], set_=lambda excluded: {
        "sla_breaches": case_facts.c.sla_breaches + excluded.sla_breaches,
        "sla_met": case_facts.c.sla_met + excluded.sla_met})


async def mark_field_visit(connection: AsyncConnection, case_id: str) -> None:
    await bump_fact(connection, case_id)
    await connection.execute(update(case_facts).where(case_facts.c.case_id == case_id).values(field_visit=True))


async def had_field_visit(connection: AsyncConnection, case_id: str) -> bool:
    query = select(case_facts.c.field_visit).where(case_facts.c.case_id == case_id)
    return bool((await connection.execute(query)).scalar_one_or_none())


# ---- calls to cases ---------------------------------------------------------------------------

async def enqueue_call(connection: AsyncConnection, call_id: str, kind: str, case_id: str, payload: dict[str, Any],
                       now: datetime) -> None:
    await connection.execute(_insert_new(connection, case_calls, ["id"], id=call_id, kind=kind, case_id=case_id,
                                      payload=payload, status="pending", due_at=now, attempts=0))


async def claim_due_calls(connection: AsyncConnection, *, now: datetime, lease_until: datetime,
                          limit: int) -> list[Any]:
    query = (select(case_calls).where(case_calls.c.status == "pending", case_calls.c.due_at <= now)
             .order_by(case_calls.c.due_at).limit(limit).with_for_update(skip_locked=True))
    rows = list(await connection.execute(query))
    if rows:
        await connection.execute(update(case_calls).where(case_calls.c.id.in_([r.id for r in rows]))
                              .values(due_at=lease_until, attempts=case_calls.c.attempts + 1))
    return rows


async def settle_call(connection: AsyncConnection, call_id: str, *, status: str, outcome: str,
                      due_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"status": status, "outcome": outcome}
    if due_at is not None:
        values["due_at"] = due_at
    await connection.execute(update(case_calls).where(case_calls.c.id == call_id).values(**values))


def calls_query() -> Select[Any]:
    return select(case_calls).order_by(case_calls.c.due_at)


# ---- return visits --------------------------------------------------------------------------

def _visit(row: Any) -> ReturnVisit:
    outcome = Outcome(**row.outcome) if row.outcome else None
    return ReturnVisit(row.id, row.case_id, row.case_number, row.company_id, row.engineer_id, row.reason,
                       ReturnVisitStatus(row.status), row.due_at, row.attempts, outcome, row.region)


async def add_return_visit(connection: AsyncConnection, visit: ReturnVisit, now: datetime) -> None:
    await connection.execute(_insert_new(
        connection, return_visits, ["id"], id=visit.id, case_id=visit.case_id, case_number=visit.case_number,
        company_id=visit.company_id, region=visit.region, engineer_id=visit.engineer_id, reason=visit.reason,
        status=visit.status.value, due_at=visit.due_at, attempts=visit.attempts, outcome=None, created_at=now))


async def save_return_visit(connection: AsyncConnection, visit: ReturnVisit) -> None:
    await connection.execute(update(return_visits).where(return_visits.c.id == visit.id).values(
        status=visit.status.value, due_at=visit.due_at, attempts=visit.attempts,
        outcome=asdict(visit.outcome) if visit.outcome else None))


async def load_return_visit(
    connection: AsyncConnection, visit_id: str, *, for_update: bool = False
) -> ReturnVisit | None:
    query = select(return_visits).where(return_visits.c.id == visit_id)
    row = (await connection.execute(query.with_for_update() if for_update else query)).first()
    return None if row is None else _visit(row)


async def list_return_visits(connection: AsyncConnection, status: str | None) -> list[ReturnVisit]:
    query = select(return_visits).order_by(return_visits.c.due_at, return_visits.c.id)
    if status:
        query = query.where(return_visits.c.status == status)
    return [_visit(row) for row in await connection.execute(query)]


# ---- statistics ------------------------------------------------------------------------------

async def record_rows(
    connection: AsyncConnection, closed_from: datetime | None, closed_until: datetime | None
) -> list[Any]:
    """Every closing that was surveyed or skipped (cancelled ones were reopened first), with its answer and facts."""
    counted = [InvitationStatus.SENT.value, InvitationStatus.ANSWERED.value, InvitationStatus.SKIPPED.value]
    conditions: list[ColumnElement[bool]] = [invitations.c.status.in_(counted), invitations.c.campaign_id.is_(None)]
    if closed_from is not None:
        conditions.append(invitations.c.closed_at >= closed_from)
    if closed_until is not None:
        conditions.append(invitations.c.closed_at < closed_until)
    query = (select(invitations, answers.c["values"], case_facts.c.reopen_count.label("reopens"),
                    case_facts.c.sla_breaches, case_facts.c.sla_met)
             .outerjoin(answers, answers.c.invitation_id == invitations.c.id)
             .outerjoin(case_facts, case_facts.c.case_id == invitations.c.case_id)
             .where(and_(*conditions)).order_by(invitations.c.closed_at, invitations.c.id))
    return list(await connection.execute(query))


# ---- campaigns --------------------------------------------------------------------------------

async def add_campaign(connection: AsyncConnection, campaign_id: str, period: str, questionnaire: str, *, by: str,
                       now: datetime, remind_at: datetime) -> bool:
    """False when the period already has its campaign."""
    statement = _insert_new(connection, campaigns, ["period"], id=campaign_id, period=period,
                            questionnaire=questionnaire, started_at=now, started_by=by, remind_at=remind_at,
                            reminded=False)
    return bool((await connection.execute(statement)).rowcount)


async def campaign_contacts(connection: AsyncConnection, registered: Sequence[Invitation] = ()) -> list[Invitation]:
    """Every customer contact: those of the registry (`registered`), and those a case survey found that the
    registry does not name (as on their latest case); one per contact key, the registry's word first;
    opted-out contacts left out."""
    query = (select(invitations)
             .where(invitations.c.contact_key != "", invitations.c.campaign_id.is_(None))
             .order_by(invitations.c.closed_at))
    latest = {row.contact_key: _invitation(row) for row in await connection.execute(query)}
    latest.update({c.contact_key: c for c in registered if c.contact_key})
    out = set((await connection.execute(select(opt_outs.c.contact_key))).scalars())
    return [latest[key] for key in sorted(latest) if key not in out]


async def claim_due_reminders(connection: AsyncConnection, now: datetime) -> list[str]:
    query = (select(campaigns.c.id).where(campaigns.c.reminded.is_(False), campaigns.c.remind_at <= now)
             .with_for_update(skip_locked=True))
    ids = list((await connection.execute(query)).scalars())
    if ids:
        await connection.execute(update(campaigns).where(campaigns.c.id.in_(ids)).values(reminded=True))
    return ids


async def unanswered_of(connection: AsyncConnection, campaign_id: str) -> list[Invitation]:
    query = select(invitations).where(invitations.c.campaign_id == campaign_id,
                                      invitations.c.status == InvitationStatus.SENT.value)
    return [_invitation(row) for row in await connection.execute(query)]


async def campaign_rows(connection: AsyncConnection) -> list[Any]:
    """Each campaign with how many were asked and how many answered."""
    answered = func.sum(case((invitations.c.status == InvitationStatus.ANSWERED.value, 1), else_=0))
    query = (select(campaigns, func.count(invitations.c.id).label("sent"), answered.label("answered"))
             .outerjoin(invitations, invitations.c.campaign_id == campaigns.c.id)
             .group_by(*campaigns.c).order_by(campaigns.c.started_at.desc()))
    return list(await connection.execute(query))
