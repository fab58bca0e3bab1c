"""Registry records ↔ table rows (companies, contacts, contracts, sites, assets)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from intake.adapters.tables import assets, companies, contacts, contracts, sites
from intake.domain.registry import Asset, Company, Contact, Contract, Site

Record = Company | Contact | Contract | Site | Asset


def company_row(company: Company, at: datetime) -> dict[str, Any]:
    return {"company_id": company.company_id, "name": company.name, "name_key": company.name.casefold(),
            "region": company.region.lower() if company.region else None, "updated_at": at}


def contact_row(contact: Contact, at: datetime) -> dict[str, Any]:
    return {"contact_id": contact.contact_id, "company_id": contact.company_id, "name": contact.name,
            "phone": contact.phone, "email": contact.email.casefold() if contact.email else None,
            "role": contact.role, "site_id": contact.site_id, "language": contact.language,
            "updated_at": at}


def contract_row(contract: Contract, at: datetime) -> dict[str, Any]:
    return {"contract_id": contract.contract_id, "company_id": contract.company_id,
            "sla_policy": contract.sla_policy, "start_on": contract.start_on,
            "acceptance_on": contract.acceptance_on, "warranty_months": contract.warranty_months,
            "billable_rule": contract.billable_rule, "updated_at": at}


def site_row(site: Site, at: datetime) -> dict[str, Any]:
    return {"site_id": site.site_id, "company_id": site.company_id, "name": site.name, "address": site.address,
            "region": site.region.lower(), "time_zone": site.time_zone, "updated_at": at}


def asset_row(asset: Asset, at: datetime) -> dict[str, Any]:
    return {"asset_key": asset.key, "serial_number": asset.serial_number, "manufacturer": asset.manufacturer,
            "model": asset.model, "site_id": asset.site_id, "contract_id": asset.contract_id,
            "installed_on": asset.installed_on, "accepted_on": asset.accepted_on,
            "manufacturer_warranty_end": asset.manufacturer_warranty_end, "updated_at": at}


def company_of(row: Mapping[Any, Any]) -> Company:
    return Company(row["company_id"], row["name"], row["region"])


def contact_of(row: Mapping[Any, Any]) -> Contact:
    return Contact(row["contact_id"], row["company_id"], row["name"], row["phone"], row["email"], row["role"],
                   row["site_id"], row["language"])


def contract_of(row: Mapping[Any, Any]) -> Contract:
    return Contract(row["contract_id"], row["company_id"], row["sla_policy"], row["start_on"],
                    row["acceptance_on"], row["warranty_months"], row["billable_rule"])


def site_of(row: Mapping[Any, Any]) -> Site:
    return Site(row["site_id"], row["company_id"], row["name"], row["address"], row["region"], row["time_zone"])


def asset_of(row: Mapping[Any, Any]) -> Asset:
    return Asset(row["serial_number"], row["manufacturer"], row["model"], row["site_id"], row["contract_id"],
                 row["installed_on"], row["accepted_on"], row["manufacturer_warranty_end"])


@dataclass(frozen=True)
class Kind:
    """One kind of registry record: its table, key column, and row mapping."""

    name: str
    table: Table
    key: str
    to_row: Callable[[Any, datetime], dict[str, Any]]
    of_row: Callable[[Mapping[Any, Any]], Any]

    def key_of(self, record: Record) -> str:
        return str(self.to_row(record, datetime.min)[self.key])


COMPANY = Kind("company", companies, "company_id", company_row, company_of)
CONTACT = Kind("contact", contacts, "contact_id", contact_row, contact_of)
CONTRACT = Kind("contract", contracts, "contract_id", contract_row, contract_of)
SITE = Kind("site", sites, "site_id", site_row, site_of)
ASSET = Kind("asset", assets, "asset_key", asset_row, asset_of)
