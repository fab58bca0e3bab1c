"""What intake knows of cases (from its own deliveries and from case events): open cases per asset,
and the vendor-fault outages of resolved cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftercare_platform.db.statements import Bind, among, is_postgres, prebuilt, upsert
from sqlalchemy import ColumnElement, and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters.row_kinds import RowKinds
from intake.adapters.tables import OPENING, downtime, known_cases, submissions
from intake.domain.downtime import DowntimeInterval
from intake.domain.duplicates import OpenCase
from intake.domain.routing import pending_case_ref

OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting_customer", "reopened")


@dataclass(frozen=True)
class KnownCase:
    case_id: str
    case_number: str
    company_id: str | None
    contract_id: str | None
    asset_key: str | None
    description: str
    error_codes: tuple[str, ...]
    priority: str | None
    status: str
    opened_at: datetime
    event_at: datetime
    alarm_code: str | None = None
    caller_email: str | None = None
    caller_phone: str | None = None
    reported_by: str | None = None  # the partner key that reported it, when a partner did


async def record_case(connection: AsyncConnection, case: KnownCase) -> None:
    """Insert, or update the status of, a known case (one statement); an older event never overwrites a newer one."""
    await connection.execute(prebuilt(connection, _record_known), known_row(case))


async def record_openings(connection: AsyncConnection, cases: Sequence[KnownCase]) -> None:
    """The events that opened cases: each case is known, and a downtime row its resolution wrote first learns the
    case's asset and contract (on PostgreSQL one statement for them all, the upsert a CTE of the update)."""
    if not is_postgres(connection):
        for case in cases:
            await record_case(connection, case)
            await complete_downtime(connection, case)
        return
    if cases:
        await connection.execute(prebuilt(connection, _record_opening),
                                 [{**_downtime_values(case), **as_known(known_row(case))} for case in cases])


def known_row(case: KnownCase) -> dict[str, Any]:
    return {
        "case_id": case.case_id, "case_number": case.case_number, "company_id": case.company_id,
        "contract_id": case.contract_id, "asset_key": case.asset_key, "description": case.description,
        "error_codes": list(case.error_codes), "alarm_code": case.alarm_code, "priority": case.priority,
        "status": case.status, "opened_at": case.opened_at, "last_event_at": case.event_at,
        "caller_email": case.caller_email, "caller_phone": case.caller_phone, "reported_by": case.reported_by,
    }


def _record_known(bind: Bind) -> Any:
    return upsert(bind, known_cases, ["case_id"], update=[], set_=_merge_known)


def as_known(row: dict[str, Any]) -> dict[str, Any]:
    """`known_row` as the parameters of `known_upsert_cte`."""
    return {f"known_{name}": value for name, value in row.items()}


def known_upsert_cte(bind: Bind) -> Any:
    """`record_case` as a CTE of a larger statement (PostgreSQL), its values the parameters `as_known` names."""
    values = {column.name: bindparam(f"known_{column.name}", type_=column.type) for column in known_cases.c}
    return upsert(bind, known_cases, ["case_id"], values, update=[], set_=_merge_known).returning(
        known_cases.c.case_id).cte("known")


def _record_opening(bind: Bind) -> Any:
    return _COMPLETE_DOWNTIME.add_cte(known_upsert_cte(bind))


def _merge_known(excluded: Any) -> dict[str, Any]:
    """A case known already: only intake's own delivery knows which partner reported it and the alarm code (the
    event may come first, so neither is overwritten by nothing); status and priority from the newer of the two."""
    newer = known_cases.c.last_event_at <= excluded.last_event_at
    return {
        "reported_by": func.coalesce(excluded.reported_by, known_cases.c.reported_by),
        "alarm_code": func.coalesce(excluded.alarm_code, known_cases.c.alarm_code),
        "status": case((newer, excluded.status), else_=known_cases.c.status),
        "priority": case((newer, excluded.priority), else_=known_cases.c.priority),
        "last_event_at": case((newer, excluded.last_event_at), else_=known_cases.c.last_event_at),
    }


async def record_event(connection: AsyncConnection, case_id: str, *, status: str, priority: str | None,
                       at: datetime) -> bool:
    """A later event of a known case: its status and priority (kept when the event names none), unless a newer
    event was recorded already. False when it changed nothing: the case is not known, or the event is older."""
    updated = await connection.execute(_RECORD_EVENT, {"the_case": case_id, "the_status": status,
                                                    "the_priority": priority or None, "the_at": at})
    return bool(getattr(updated, "rowcount", 0))


_RECORD_EVENT = (
    update(known_cases)
    .where(known_cases.c.case_id == bindparam("the_case"),
           known_cases.c.last_event_at <= bindparam("the_at", type_=known_cases.c.last_event_at.type))
    .values(status=bindparam("the_status", type_=known_cases.c.status.type),
            priority=func.coalesce(bindparam("the_priority", type_=known_cases.c.priority.type),
                                   known_cases.c.priority),
            last_event_at=bindparam("the_at", type_=known_cases.c.last_event_at.type)))


async def find_case(connection: AsyncConnection, case_id: str) -> KnownCase | None:
    row = (await connection.execute(select(known_cases).where(known_cases.c.case_id == case_id))).mappings().first()
    return _known(row) if row is not None else None


async def find_by_number(connection: AsyncConnection, case_number: str) -> KnownCase | None:
    found = await connection.execute(select(known_cases).where(known_cases.c.case_number == case_number))
    row = found.mappings().first()
    return _known(row) if row is not None else None


def _known(row: Any) -> KnownCase:
    return KnownCase(row["case_id"], row["case_number"], row["company_id"], row["contract_id"], row["asset_key"],
                     row["description"], tuple(row["error_codes"] or ()), row["priority"], row["status"],
                     row["opened_at"], row["last_event_at"], row["alarm_code"], row["caller_email"],
                     row["caller_phone"], row["reported_by"])


async def open_cases_for(connection: AsyncConnection, asset_key: str) -> list[OpenCase]:
    """Open cases of the asset, and the new cases still being opened for it (by their receipts)."""
    return (await open_cases_and_downtime(connection, asset_key=asset_key, downtime_asset=None, contract_id=None,
                                          whole_contract=False))[0]


# what `open_cases_and_downtime` reads, by kind of row
_KNOWN_KINDS = RowKinds({"pending": submissions, "known": known_cases, "downtime": downtime})


async def open_cases_and_downtime(connection: AsyncConnection, *, asset_key: str | None, downtime_asset: str | None,
                                  contract_id: str | None, whole_contract: bool,
                                  ) -> tuple[list[OpenCase], list[DowntimeInterval]]:
    """The open cases of `asset_key` (known, or being opened by a pending receipt) and the downtime `downtime_for`
    finds, in one statement. One snapshot: a delivery moves a receipt from pending to known in one transaction,
    so the case is seen once, as one or the other."""
    shape = (asset_key is not None, bool(downtime_asset), bool(contract_id), whole_contract)
    if not any(shape[:3]):
        return [], []
    found = _KNOWN_KINDS.split((await connection.execute(prebuilt(connection, _open_cases_and_downtime, *shape), {
        "the_asset": asset_key, "the_downtime_asset": downtime_asset, "the_contract": contract_id})).mappings())
    open_cases = [OpenCase(pending_case_ref(row["receipt_id"]), asset_key or "", row["received_at"],
                           str(row["request"].get("description", "")), tuple(row["plan"].get("error_codes", ())),
                           row["alarm_code"]) for row in found["pending"]]
    open_cases += [OpenCase(row["case_number"], row["asset_key"], row["opened_at"], row["description"],
                            tuple(row["error_codes"] or ()), row["alarm_code"]) for row in found["known"]]
    return open_cases, intervals(found["downtime"])


def _open_cases_and_downtime(_bind: Bind, open_cases: bool, of_asset: bool, of_contract: bool,
                             whole_contract: bool) -> Any:
    branches: list[tuple[str, Any]] = []
    if open_cases:
        the_asset = bindparam("the_asset", type_=submissions.c.asset_key.type)
        branches.append(("pending", select(submissions).where(submissions.c.asset_key == the_asset, *OPENING)
                         .subquery()))
        branches.append(("known", select(known_cases).where(
            known_cases.c.asset_key == the_asset, among(known_cases.c.status, OPEN_STATUSES)).subquery()))
    condition = _downtime_condition(
        bindparam("the_downtime_asset", type_=downtime.c.asset_key.type) if of_asset else None,
        bindparam("the_contract", type_=downtime.c.contract_id.type) if of_contract else None, whole_contract)
    if condition is not None:
        branches.append(("downtime", select(downtime).where(condition).subquery()))
    return _KNOWN_KINDS.union(branches)


async def record_resolution(connection: AsyncConnection, *, case_id: str, case_number: str, contract_id: str | None,
                            outage: DowntimeInterval | None) -> None:
    """A case was resolved: the vendor-fault outage its fault report records is downtime (outage start →
    restoration); without one, whatever an earlier resolution of the case recorded no longer counts."""
    if outage is None:
        await connection.execute(delete(downtime).where(downtime.c.case_id == case_id))
        return
    known = await find_case(connection, case_id)
    row = {"case_id": case_id, "case_number": case_number,
           "asset_key": known.asset_key if known else None,
           "contract_id": (known.contract_id if known else None) or contract_id,
           "opened_at": outage.opened_at, "restored_at": outage.restored_at}
    await connection.execute(upsert(connection, downtime, ["case_id"], row))


async def complete_downtime(connection: AsyncConnection, case: KnownCase) -> None:
    """A case.created seen after its resolution: the downtime row learns the case's asset and contract."""
    await connection.execute(_COMPLETE_DOWNTIME, _downtime_values(case))


def _downtime_values(case: KnownCase) -> dict[str, Any]:
    return {"the_case": case.case_id, "the_opened_at": case.opened_at, "the_asset": case.asset_key,
            "the_contract": case.contract_id}


_COMPLETE_DOWNTIME = (
    update(downtime).where(downtime.c.case_id == bindparam("the_case"), downtime.c.asset_key.is_(None))
    .values(opened_at=func.coalesce(downtime.c.opened_at, bindparam("the_opened_at", type_=downtime.c.opened_at.type)),
            asset_key=bindparam("the_asset", type_=downtime.c.asset_key.type),
            contract_id=func.coalesce(downtime.c.contract_id,
                                      bindparam("the_contract", type_=downtime.c.contract_id.type))))


async def downtime_for(connection: AsyncConnection, *, asset_key: str | None, contract_id: str | None,
                       whole_contract: bool) -> Sequence[DowntimeInterval]:
    """Downtime of the asset, and of its contract's whole system (P1 cases naming no asset); for a
    whole-system warranty (`whole_contract`), of every asset of the contract."""
    condition = _downtime_condition(asset_key or None, contract_id or None, whole_contract)
    if condition is None:
        return []
    return intervals((await connection.execute(select(downtime).where(condition))).mappings())


def _downtime_condition(asset: Any, contract: Any, whole_contract: bool) -> ColumnElement[bool] | None:
    """`downtime_for`'s rows: `asset` and `contract` are values or parameters (None: not asked about)."""
    conditions: list[ColumnElement[bool]] = []
    if asset is not None:
        conditions.append(downtime.c.asset_key == asset)
    if contract is not None:
        of_contract = downtime.c.contract_id == contract
        conditions.append(of_contract if whole_contract or asset is None
                          else and_(of_contract, downtime.c.asset_key.is_(None)))
    if not conditions:
        return None
    return and_(or_(*conditions), downtime.c.opened_at.is_not(None))


def intervals(rows: Iterable[Mapping[Any, Any]]) -> list[DowntimeInterval]:
    """Downtime rows as intervals, in the order they opened (a row restored before it opened is no interval)."""
    return [DowntimeInterval(row["opened_at"], row["restored_at"], row["case_number"])
            for row in sorted(rows, key=lambda row: row["opened_at"]) if row["restored_at"] >= row["opened_at"]]
