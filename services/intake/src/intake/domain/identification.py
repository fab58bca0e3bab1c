"""Who reported it and about what: contact → company → site and asset → contract (pure).

The registry rows that could match a report are loaded by the caller into `Candidates`;
`identify` decides. The rules, in order:
- contact: the reporter's phone (E.164) or email (case-insensitive); when several contacts
  match, the one of the hinted company, else they must all belong to one company;
- company: the contact's; else the hint (id, or exact name case-insensitively); else the owner of
  the identified asset's site or contract;
- asset: the serial number (narrowed by manufacturer, then by company, until one is left); else,
  when the report names no serial, the only asset of the hinted or the contact's site;
- site: the asset's; else the hinted one (id or name, within the company); else the contact's;
- contract: the hinted id (if it belongs to the company); else the asset's; else the company's
  only contract;
- region: the site's, else the company's, else the service's own.
Nothing here rejects a report: what is not found stays None and the case opens flagged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from intake.domain.downtime import DowntimeInterval
from intake.domain.intake_request import IntakeRequest
from intake.domain.registry import Asset, Company, Contact, Contract, Site

_REGION = re.compile(r"^[a-z][a-z0-9-]{1,31}$")  # aftercare.common.v1.Region.code


def device_lock(serial: str | None) -> str | None:
    """The transaction lock that serialises the reports of one device: by its serial, where every way a report
    can name the device ends (a manufacturer the report may leave out is not part of it)."""
    serial = (serial or "").strip()
    return f"device:{serial}" if serial else None


def asset_key(manufacturer: str | None, serial_number: str) -> str:
    """The registry key of an asset; with no manufacturer known, ":<serial>" still groups reports."""
    return f"{(manufacturer or '').strip().casefold()}:{serial_number.strip()}"


@dataclass(frozen=True)
class Candidates:
    """Registry rows that may match a report (loaded by the caller, decided on here)."""

    contacts: tuple[Contact, ...] = ()  # matching the reporter's phone or email
    hinted_companies: tuple[Company, ...] = ()  # matching hints.company by id or name
    assets: tuple[Asset, ...] = ()  # matching hints.serial_number (any manufacturer)
    companies: Mapping[str, Company] = field(default_factory=dict)  # by id: every company referenced above
    sites: Mapping[str, Site] = field(default_factory=dict)  # by id: every site referenced above
    contracts: Mapping[str, Contract] = field(default_factory=dict)  # by id: hinted, the assets', the companies'
    site_assets: Mapping[str, tuple[Asset, ...]] = field(default_factory=dict)  # site id -> its assets
    company_sites: Mapping[str, tuple[Site, ...]] = field(default_factory=dict)  # company id -> its sites
    # company id -> its designated contact (a report with no way back to anyone is answered to it; see caller_for)
    company_contacts: Mapping[str, tuple[Contact, ...]] = field(default_factory=dict)
    # contract id -> its vendor-fault downtime, for the entitlement of a report that names no device
    contract_downtime: Mapping[str, tuple[DowntimeInterval, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Identification:
    company: Company | None
    contact: Contact | None
    site: Site | None
    asset: Asset | None
    contract: Contract | None
    region: str
    asset_key: str | None  # of the identified asset, else of the serial the report names
    notes: tuple[str, ...] = ()  # how it was found, and what was ambiguous
    device_serial: str | None = None  # the identified asset's serial, else the one the report names

    @property
    def unidentified(self) -> bool:
        return self.company is None

    @property
    def device_lock(self) -> str | None:
        """The lock the reports of this device take (None: the report names no device)."""
        return device_lock(self.device_serial) if self.asset_key is not None else None


def _contact(request: IntakeRequest, found: Candidates, notes: list[str]) -> Contact | None:
    if not found.contacts:
        return None
    hinted = {company.company_id for company in found.hinted_companies}
    preferred = [contact for contact in found.contacts if contact.company_id in hinted] or list(found.contacts)
    if len({contact.company_id for contact in preferred}) > 1:
        notes.append("the reporter's phone or email belongs to contacts of several companies")
        return None
    phone, email = request.reporter.phone, (request.reporter.email or "").casefold()
    by_phone = [contact for contact in preferred if phone and contact.phone == phone]
    by_email = [contact for contact in preferred if email and (contact.email or "").casefold() == email]
    contact = (by_phone or by_email or preferred)[0]
    notes.append(f"contact {contact.contact_id} by {'phone' if by_phone else 'email'}")
    return contact


def _asset(request: IntakeRequest, found: Candidates, company: Company | None, notes: list[str]) -> Asset | None:
    hints = request.hints
    serial = hints.device
    if not serial:
        return None
    wanted = serial.casefold()
    matching = [asset for asset in found.assets if wanted in (asset.serial_number.casefold(), asset.key.casefold())]
    if hints.manufacturer:
        matching = [asset for asset in matching if asset.manufacturer.casefold() == hints.manufacturer.casefold()]
    if len(matching) > 1 and company is not None:
        matching = [asset for asset in matching if _owner(asset, found) == company.company_id]
    if len(matching) == 1:
        notes.append(f"asset {matching[0].manufacturer} {matching[0].serial_number} by serial number")
        return matching[0]
    notes.append(f"serial number {serial} {'is ambiguous' if matching else 'is not registered'}")
    return None


def _owner(asset: Asset, found: Candidates) -> str | None:
    site = found.sites.get(asset.site_id or "")
    if site is not None:
        return site.company_id
    contract = found.contracts.get(asset.contract_id or "")
    return contract.company_id if contract is not None else None


def _hinted_site(request: IntakeRequest, found: Candidates, company: Company | None) -> Site | None:
    hint = request.hints.site
    if not hint:
        return None
    sites = found.company_sites.get(company.company_id, ()) if company else tuple(found.sites.values())
    matching = [site for site in sites if site.site_id == hint or site.name.casefold() == hint.casefold()]
    return matching[0] if len(matching) == 1 else None


def _contract(request: IntakeRequest, found: Candidates, company: Company | None, asset: Asset | None,
              notes: list[str]) -> Contract | None:
    hinted = found.contracts.get(request.hints.contract_id or "")
    if hinted is not None and (company is None or hinted.company_id == company.company_id):
        notes.append(f"contract {hinted.contract_id} as given")
        return hinted
    if request.hints.contract_id:
        notes.append(f"contract {request.hints.contract_id} is not one of the company's")
    if asset is not None and asset.contract_id and asset.contract_id in found.contracts:
        return found.contracts[asset.contract_id]
    if company is not None:
        own = [c for c in found.contracts.values() if c.company_id == company.company_id]
        if len(own) == 1:
            notes.append(f"contract {own[0].contract_id}, the company's only one")
            return own[0]
        if own:
            notes.append(f"the company has {len(own)} contracts and none was named")
    return None


def identify(request: IntakeRequest, found: Candidates, default_region: str) -> Identification:
    notes: list[str] = []
    contact = _contact(request, found, notes)
    company = found.companies.get(contact.company_id) if contact else None
    if company is None and len(found.hinted_companies) == 1:
        company = found.hinted_companies[0]
        notes.append(f"company {company.company_id} as named")
    asset = _asset(request, found, company, notes)
    if company is None and asset is not None:
        company = found.companies.get(_owner(asset, found) or "")
        if company is not None:
            notes.append(f"company {company.company_id} owns the asset")
    site = found.sites.get(asset.site_id or "") if asset else None
    site = site or _hinted_site(request, found, company)
    if site is None and contact is not None and contact.site_id:
        site = found.sites.get(contact.site_id)
    if asset is None and site is not None and not request.hints.device:
        at_site = found.site_assets.get(site.site_id, ())
        if len(at_site) == 1:
            asset = at_site[0]
            notes.append(f"asset {asset.serial_number}, the only one at site {site.site_id}")
    contract = _contract(request, found, company, asset, notes)
    if company is None and contract is not None:
        company = found.companies.get(contract.company_id)
    region = next((r.lower() for r in (site.region if site else None, company.region if company else None)
                   if r and _REGION.match(r.lower()) and sum(c.isalpha() for c in r) >= 2), default_region)
    serial = request.hints.device
    key = asset.key if asset else (asset_key(request.hints.manufacturer, serial) if serial else None)
    return Identification(company, contact, site, asset, contract, region, key, tuple(notes),
                          device_serial=asset.serial_number if asset else serial)
