"""Loads the registry rows that could match a report, for `domain.identification.identify`.

One statement finds them all (each step of the chain — reporter and hints → sites → contracts → companies —
a CTE of the one before): a report used to cost up to six round trips here, the hottest reads of intake.
The statement is built once per shape of report (which of its keys it has), so every plan stays simple."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aftercare_platform.db.statements import Bind, insert_ignore, is_postgres, lock_call, lock_parameters, prebuilt
from sqlalchemy import (
    ColumnElement,
    bindparam,
    false,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters.case_index import intervals
from intake.adapters.registry_rows import asset_of, company_of, contact_of, contract_of, site_of
from intake.adapters.row_kinds import RowKinds
from intake.adapters.submissions import claim_key
from intake.adapters.tables import assets, companies, contacts, contracts, downtime, request_keys, sites
from intake.domain.identification import Candidates
from intake.domain.intake_request import IntakeRequest
from intake.domain.registry import Asset, Company, Site

T = TypeVar("T")
_SITE_ASSETS_LIMIT = 2  # "the only asset of the site": two are enough to know it is not the only one

# every kind of row the statement returns, and its table
_KINDS = RowKinds({"contact": contacts, "hinted": companies, "asset": assets, "site": sites, "contract": contracts,
                   "company": companies, "company_contact": contacts, "claimed": request_keys, "downtime": downtime})


@dataclass(frozen=True)
class KeyClaim:
    """A report's idempotency key, to be recorded for its receipt (`submissions.claim_key`)."""

    scope: str
    key: str
    receipt_id: str
    at: datetime


@dataclass(frozen=True)
class _Shape:
    """Which keys a report has: each present key is one condition of the statement, each absent one none."""

    phone: bool
    email: bool
    company: bool
    serial: bool
    site: bool
    contract: bool
    lists_contacts: bool  # no phone or email: the companies' contacts, to pick the caller from
    claims: bool = False  # the idempotency key is claimed by the same statement (PostgreSQL)
    locks: bool = False  # so is the device's transaction lock (PostgreSQL)


def _any(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(false(), *conditions)


def _statement(bind: Bind, shape: _Shape) -> Any:
    def ids(*columns: Any) -> Any:
        return union_all(*[select(column) for column in columns])

    reporter: list[ColumnElement[bool]] = []
    if shape.phone:
        reporter.append(contacts.c.phone == bindparam("phone"))
    if shape.email:
        reporter.append(contacts.c.email == bindparam("email"))
    found_contacts = select(contacts).where(_any(reporter)).cte("found_contacts")
    hinted = select(companies).where(_any([companies.c.company_id == bindparam("company"),
                                           companies.c.name_key == bindparam("company_key")] if shape.company
                                          else [])).cte("hinted")
    found_assets = select(assets).where(_any([assets.c.serial_number == bindparam("serial"),
                                              assets.c.asset_key == bindparam("serial_key")] if shape.serial
                                             else [])).cte("found_assets")
    site_match: list[ColumnElement[bool]] = [sites.c.site_id.in_(ids(found_assets.c.site_id, found_contacts.c.site_id))]
    if shape.site:
        site_match += [sites.c.site_id == bindparam("site"), func.lower(sites.c.name) == bindparam("site_key")]
    found_sites = select(sites).where(_any(site_match)).cte("found_sites")
    of_companies = ids(found_contacts.c.company_id, hinted.c.company_id, found_sites.c.company_id)
    contract_match: list[ColumnElement[bool]] = [contracts.c.contract_id.in_(select(found_assets.c.contract_id)),
                                                  contracts.c.company_id.in_(of_companies)]
    if shape.contract:
        contract_match.append(contracts.c.contract_id == bindparam("contract"))
    found_contracts = select(contracts).where(_any(contract_match)).cte("found_contracts")
    others = select(companies).where(
        companies.c.company_id.in_(ids(found_contacts.c.company_id, found_sites.c.company_id,
                                       found_contracts.c.company_id)),
        companies.c.company_id.not_in(select(hinted.c.company_id))).cte("other_companies")
    branches = [("contact", found_contacts), ("hinted", hinted), ("asset", found_assets), ("site", found_sites),
                ("contract", found_contracts), ("company", others)]
    if not shape.serial:  # the contracts' downtime: a report naming no device then needs no other statement
        branches.append(("downtime", select(downtime).where(
            downtime.c.contract_id.in_(select(found_contracts.c.contract_id)),
            downtime.c.opened_at.is_not(None)).cte("contract_downtime")))
    if shape.lists_contacts:  # each company's designated contact: its first (by id) with a phone or an email
        reachable = or_(func.coalesce(contacts.c.phone, "") != "", func.coalesce(contacts.c.email, "") != "")
        ranked = select(contacts, func.row_number().over(partition_by=contacts.c.company_id,
                                                         order_by=contacts.c.contact_id).label("rank")).where(
            contacts.c.company_id.in_(ids(hinted.c.company_id, others.c.company_id)), reachable).subquery()
        listed = select(*[ranked.c[column.name] for column in contacts.c]).where(ranked.c.rank == 1)
        branches.append(("company_contact", listed.cte("company_contacts")))
    if shape.claims:  # a row comes back when the key was free, and is this receipt's now
        # insert_ignore's INSERT has a cache key: PostgreSQL's own would compile the whole statement every time
        claimed = insert_ignore(bind, request_keys, ["scope", "key"], {
            "scope": bindparam("claim_scope", type_=request_keys.c.scope.type),
            "key": bindparam("claim_key", type_=request_keys.c.key.type),
            "receipt_id": bindparam("claim_receipt", type_=request_keys.c.receipt_id.type),
            "created_at": bindparam("claim_at", type_=request_keys.c.created_at.type)})
        branches.append(("claimed", claimed.returning(*request_keys.c).cte("claimed")))
    # the lock's subquery runs for the marker row; later statements of the transaction see what its holder wrote
    markers = [("locked", select(lock_call("lock_").label("locked")).subquery("locked"))] if shape.locks else []
    return _KINDS.union(branches, markers)


async def load_candidates(connection: AsyncConnection, request: IntakeRequest, claim: KeyClaim | None = None,
                          lock: str | None = None) -> Candidates | None:
    """The candidates; with `claim`, the key is claimed first (on PostgreSQL by the same statement), and None
    comes back when another receipt holds it already. With `lock`, the statement also takes that
    `transaction_lock` on PostgreSQL (SQLite serialises writers: there is nothing to take)."""
    claims = claim is not None and is_postgres(connection)
    # the lock's parameters when the statement takes it (PostgreSQL); none otherwise
    locked = lock_parameters(lock, "lock_") if lock is not None and is_postgres(connection) else {}
    if claim is not None and not claims and not await claim_key(connection, claim.scope, claim.key, claim.receipt_id,
                                                                 claim.at):
        return None
    reporter, hints = request.reporter, request.hints
    serial = hints.device
    shape = _Shape(phone=bool(reporter.phone), email=bool(reporter.email), company=bool(hints.company),
                   serial=bool(serial), site=bool(hints.site), contract=bool(hints.contract_id),
                   lists_contacts=not reporter.phone and not reporter.email, claims=claims, locks=bool(locked))
    parameters: dict[str, Any] = {
        "phone": reporter.phone, "email": (reporter.email or "").casefold(), "company": hints.company,
        "company_key": (hints.company or "").casefold(), "serial": serial, "serial_key": (serial or "").casefold(),
        "site": hints.site, "site_key": (hints.site or "").casefold(), "contract": hints.contract_id}
    if claim is not None and claims:
        parameters |= {"claim_scope": claim.scope, "claim_key": claim.key, "claim_receipt": claim.receipt_id,
                       "claim_at": claim.at}
    parameters |= locked
    found = _KINDS.split((await connection.execute(prebuilt(connection, _statement, shape), parameters)).mappings())
    if claims and not found["claimed"]:
        return None
    found_sites = [site_of(r) for r in found["site"]]
    companies_by_id: dict[str, Company] = {c.company_id: c for c in map(company_of, found["hinted"] + found["company"])}
    return Candidates(
        contacts=tuple(contact_of(r) for r in found["contact"]),
        hinted_companies=tuple(company_of(r) for r in found["hinted"]),
        assets=tuple(asset_of(r) for r in found["asset"]),
        companies=companies_by_id,
        sites={site.site_id: site for site in found_sites},
        contracts={contract.contract_id: contract for contract in map(contract_of, found["contract"])},
        site_assets=await _site_assets(connection, found_sites) if not serial else {},
        company_sites=_grouped(found_sites, lambda site: site.company_id),
        company_contacts=_grouped(sorted(map(contact_of, found["company_contact"]), key=lambda c: c.contact_id),
                                  lambda contact: contact.company_id),
        contract_downtime={contract: tuple(intervals(rows)) for contract, rows in
                           _grouped(found["downtime"], lambda row: row["contract_id"]).items()},
    )


async def _site_assets(connection: AsyncConnection, found_sites: list[Site]) -> dict[str, tuple[Asset, ...]]:
    """A few assets of each site (a report naming a site but no device may mean the site's only one)."""
    site_assets: dict[str, tuple[Asset, ...]] = {}
    for site in found_sites:
        rows = (await connection.execute(select(assets).where(assets.c.site_id == site.site_id)
                                      .limit(_SITE_ASSETS_LIMIT))).mappings().all()
        site_assets[site.site_id] = tuple(asset_of(row) for row in rows)
    return site_assets


def _grouped(items: Iterable[T], key: Callable[[T], str]) -> dict[str, tuple[T, ...]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for item in items:
        grouped[key(item)].append(item)
    return {name: tuple(value) for name, value in grouped.items()}
