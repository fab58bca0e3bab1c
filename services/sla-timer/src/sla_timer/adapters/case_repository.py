"""What sla-timer knows of each case (from the events' snapshots) and which policy each contract selects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aftercare_platform.contracts.case_snapshot import CaseSnapshot
from aftercare_platform.db.statements import upsert
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sla_timer.adapters.tables import cases, contract_policies
from sla_timer.domain.applied_policy import AppliedPolicy
from sla_timer.domain.customer_terms import NO_TERMS, CustomerTerms
from sla_timer.domain.policy import ReplySettings
from sla_timer.domain.vocabulary import Priority


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    case_number: str
    region: str
    company_id: str
    contract_id: str
    priority: Priority | None
    # who holds the case; "" while unassigned (the desk holds it)
    assignee_id: str = ""
    # what the customer stated when reporting
    terms: CustomerTerms = NO_TERMS
    # the policy last announced to cases for this case (None: none yet)
    applied: AppliedPolicy | None = None


def _info(row: object) -> CaseInfo:
    priority = getattr(row, "priority", None)
    return CaseInfo(
        case_id=row.case_id,  # type: ignore[attr-defined]
        case_number=row.case_number,  # type: ignore[attr-defined]
        region=row.region,  # type: ignore[attr-defined]
        company_id=row.company_id,  # type: ignore[attr-defined]
        contract_id=row.contract_id,  # type: ignore[attr-defined]
        priority=Priority(priority) if priority else None,
        assignee_id=getattr(row, "assignee_id", "") or "",
        terms=_terms(row),
        applied=_applied(getattr(row, "applied_policy", None)),
    )


def _applied(document: Any) -> AppliedPolicy | None:
    if not document:
        return None
    settings = ReplySettings(bool(document["customer_reply_resumes"]), int(document["reopen_window_days"]))
    return AppliedPolicy(str(document["policy"]), settings)


async def remember_applied_policy(connection: AsyncConnection, case_id: str, applied: AppliedPolicy) -> None:
    """What was announced to cases for the case (its row is locked by `remember_case`)."""
    document = {
        "policy": applied.policy,
        "customer_reply_resumes": applied.settings.customer_reply_resumes,
        "reopen_window_days": applied.settings.reopen_window_days,
    }
    await connection.execute(update(cases).where(cases.c.case_id == case_id).values(applied_policy=document))


def _terms(row: object) -> CustomerTerms:
    severity, seconds = getattr(row, "customer_severity", None), getattr(row, "requested_response_seconds", None)
    return CustomerTerms(
        severity=Priority(severity) if severity else None,
        requested_response=timedelta(seconds=seconds) if seconds else None,
    )


async def remember_case(
    connection: AsyncConnection,
    snapshot: CaseSnapshot,
    now: datetime,
    *,
    says_assignee: bool = True,
    terms: CustomerTerms | None = None,
) -> CaseInfo:
    """Keep the newest snapshot (an older event never overwrites a newer one) and lock the case's row,
    so the events of one case are applied one at a time whichever replica handles them."""
    values: dict[str, object] = {
        "case_id": snapshot.case_id,
        "case_number": snapshot.case_number,
        "region": snapshot.region,
        "company_id": snapshot.company_id,
        "contract_id": snapshot.contract_id,
        "priority": snapshot.priority,
        "assignee_id": snapshot.assignee_id,
        "snapshot_at": snapshot.occurred_at,
        "updated_at": now,
    }
    if terms is not None:  # only the created event says them; the others keep them
        values["customer_severity"] = terms.severity.value if terms.severity else None
        seconds = terms.requested_response.total_seconds() if terms.requested_response else None
        values["requested_response_seconds"] = int(seconds) if seconds else None
    await connection.execute(
        upsert(
            connection,
            cases,
            ["case_id"],
            values,
            # a snapshot without a priority (some dispatch events) keeps the one known; dispatch events
            # (says_assignee False) do not say who holds the case
            update=[
                k
                for k in values
                if k != "case_id"
                and (k != "priority" or snapshot.priority)
                and (k != "assignee_id" or says_assignee)
            ],
            where=lambda excluded: cases.c.snapshot_at <= excluded.snapshot_at,
        )
    )
    row = (await connection.execute(select(cases).where(cases.c.case_id == snapshot.case_id).with_for_update())).one()
    return _info(row)


async def find_case(connection: AsyncConnection, *, case_id: str = "", case_number: str = "") -> CaseInfo | None:
    condition = cases.c.case_id == case_id if case_id else cases.c.case_number == case_number
    row = (await connection.execute(select(cases).where(condition).limit(1))).first()
    return _info(row) if row is not None else None


async def contract_policy(connection: AsyncConnection, contract_id: str) -> str | None:
    if not contract_id:
        return None
    found = await connection.execute(
        select(contract_policies.c.policy_name).where(contract_policies.c.contract_id == contract_id)
    )
    return found.scalar_one_or_none()


async def remember_contract_policy(
    connection: AsyncConnection, contract_id: str, policy_name: str, occurred_at: datetime, now: datetime
) -> None:
    values = {"contract_id": contract_id, "policy_name": policy_name, "occurred_at": occurred_at, "updated_at": now}
    await connection.execute(
        upsert(
            connection,
            contract_policies,
            ["contract_id"],
            values,
            where=lambda excluded: contract_policies.c.occurred_at <= excluded.occurred_at,
        )
    )
