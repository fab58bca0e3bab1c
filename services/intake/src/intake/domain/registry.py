"""The registry intake owns: companies, their contacts, contracts, sites and assets (plain values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEFAULT_WARRANTY_MONTHS = 24


@dataclass(frozen=True)
class Company:
    company_id: str
    name: str
    region: str | None = None


@dataclass(frozen=True)
class Contact:
    """A designated contact (指定联系人) of a company; phone is E.164."""

    contact_id: str
    company_id: str
    name: str
    phone: str | None = None
    email: str | None = None
    role: str | None = None
    site_id: str | None = None  # the site this contact looks after: a report naming no asset is placed there
    language: str | None = None  # "zh-CN" or "en"; None: their company's, else the platform's default


@dataclass(frozen=True)
class Contract:
    contract_id: str
    company_id: str
    sla_policy: str
    start_on: date
    acceptance_on: date | None = None  # 验收: the warranty runs from here
    warranty_months: int = DEFAULT_WARRANTY_MONTHS
    billable_rule: str | None = None  # what is charged after the warranty, as the contract says it


@dataclass(frozen=True)
class Site:
    site_id: str
    company_id: str
    name: str
    address: str
    region: str
    time_zone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class Asset:
    """A device or system; serial numbers are unique per manufacturer, so the key is both."""

    serial_number: str
    manufacturer: str
    model: str | None = None
    site_id: str | None = None
    contract_id: str | None = None
    installed_on: date | None = None
    accepted_on: date | None = None  # when this asset passed acceptance, if not with the whole contract
    manufacturer_warranty_end: date | None = None  # last day of the manufacturer's own warranty

    @property
    def key(self) -> str:
        return f"{self.manufacturer.casefold()}:{self.serial_number}"
