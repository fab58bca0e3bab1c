"""Loads the registry rows that could match a report, for `domain.identification.identify`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Table, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.adapters.registry_rows import asset_of, company_of, contact_of, contract_of, site_of
from intake.adapters.tables import assets, companies, contacts, contracts, sites
from intake.domain.identification import Candidates
from intake.domain.intake_request import IntakeRequest
from intake.domain.registry import Asset, Company, Contact, Contract, Site

_SITE_ASSETS_LIMIT = 2  # "the only asset of the site": two are enough to know it is not the only one


async def _select(session: AsyncSession, table: Table, condition: ColumnElement[bool]) -> list[dict[str, Any]]:
    rows = (await session.execute(select(table).where(condition))).mappings().all()
    return [dict(row) for row in rows]


def _ids(values: Iterable[str | None]) -> set[str]:
    return {value for value in values if value}


async def load_candidates(session: AsyncSession, request: IntakeRequest) -> Candidates:
    reporter, hints = request.reporter, request.hints
    contact_match = [contacts.c.phone == reporter.phone] if reporter.phone else []
    if reporter.email:
        contact_match.append(contacts.c.email == reporter.email.casefold())
    found_contacts = ([contact_of(r) for r in await _select(session, contacts, or_(*contact_match))]
                      if contact_match else [])  # no phone, no email: nothing to ask the database
    hinted: list[Company] = []
    if hints.company:
        hinted = [company_of(r) for r in await _select(
            session, companies, or_(companies.c.company_id == hints.company,
                                    companies.c.name_key == hints.company.casefold()))]
    serial = hints.serial_number or hints.asset_id
    found_assets: list[Asset] = []
    if serial:
        found_assets = [asset_of(r) for r in await _select(
            session, assets, or_(assets.c.serial_number == serial, assets.c.asset_key == serial.casefold()))]
    site_ids = _ids([a.site_id for a in found_assets] + [c.site_id for c in found_contacts])
    site_match: list[ColumnElement[bool]] = [sites.c.site_id.in_(site_ids)] if site_ids else []
    if hints.site:
        site_match += [sites.c.site_id == hints.site, func.lower(sites.c.name) == hints.site.casefold()]
    found_sites = [site_of(r) for r in await _select(session, sites, or_(false(), *site_match))] if site_match else []
    company_ids = _ids([c.company_id for c in found_contacts] + [c.company_id for c in hinted]
                       + [s.company_id for s in found_sites])
    contract_ids = _ids([a.contract_id for a in found_assets] + [hints.contract_id])
    contract_match: list[ColumnElement[bool]] = []
    if contract_ids:
        contract_match.append(contracts.c.contract_id.in_(contract_ids))
    if company_ids:
        contract_match.append(contracts.c.company_id.in_(company_ids))
    found_contracts: list[Contract] = []
    if contract_match:
        found_contracts = [contract_of(r) for r in await _select(session, contracts, or_(*contract_match))]
    company_ids |= {c.company_id for c in found_contracts}
    found_companies = {c.company_id: c for c in hinted}
    missing = company_ids - set(found_companies)
    if missing:
        for row in await _select(session, companies, companies.c.company_id.in_(missing)):
            found_companies[str(row["company_id"])] = company_of(row)
    if company_ids and (missing_contracts := [cid for cid in company_ids
                                              if cid not in {c.company_id for c in found_contracts}]):
        found_contracts += [contract_of(r) for r in await _select(
            session, contracts, contracts.c.company_id.in_(missing_contracts))]
    site_assets: dict[str, tuple[Asset, ...]] = {}
    if not serial:
        for site in found_sites:
            rows = (await session.execute(select(assets).where(assets.c.site_id == site.site_id)
                                          .limit(_SITE_ASSETS_LIMIT))).mappings().all()
            site_assets[site.site_id] = tuple(asset_of(row) for row in rows)
    company_contacts: dict[str, tuple[Contact, ...]] = {}
    if not reporter.phone and not reporter.email and found_companies:
        grouped: dict[str, list[Contact]] = defaultdict(list)
        listed = (await session.execute(select(contacts).where(contacts.c.company_id.in_(list(found_companies)))
                                        .order_by(contacts.c.contact_id))).mappings().all()
        for listed_row in listed:
            grouped[str(listed_row["company_id"])].append(contact_of(listed_row))
        company_contacts = {key: tuple(value) for key, value in grouped.items()}
    by_company: dict[str, list[Site]] = defaultdict(list)
    for site in found_sites:
        by_company[site.company_id].append(site)
    return Candidates(
        contacts=tuple(found_contacts),
        hinted_companies=tuple(hinted),
        assets=tuple(found_assets),
        companies=found_companies,
        sites={site.site_id: site for site in found_sites},
        contracts={contract.contract_id: contract for contract in found_contracts},
        site_assets=site_assets,
        company_sites={key: tuple(value) for key, value in by_company.items()},
        company_contacts=company_contacts,
    )
