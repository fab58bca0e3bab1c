"""Where a registry record belongs (company, region) and whether a caller may see it."""

from __future__ import annotations

from aftercare_platform.auth.access import ensure_access
from aftercare_platform.auth.principal import Principal
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters import registry_repository as repository
from intake.adapters.proto_mapping import Record
from intake.adapters.registry_rows import COMPANY, CONTRACT, SITE
from intake.domain.registry import Asset, Contact, Site


async def placement(connection: AsyncConnection, record: Record) -> tuple[str | None, str | None]:
    """(company, region) a registry record belongs to: the region of its site, else of its company.
    The platform's access check decides on it for every caller, regional staff included."""
    company_id: str | None = getattr(record, "company_id", None)
    site: Site | None = record if isinstance(record, Site) else None
    if isinstance(record, Contact) and record.site_id:
        site = await repository.get(connection, SITE, record.site_id)
    if isinstance(record, Asset):
        site = await repository.get(connection, SITE, record.site_id) if record.site_id else None
        contract = await repository.get(connection, CONTRACT, record.contract_id) if record.contract_id else None
        company_id = (site.company_id if site else None) or (contract.company_id if contract else None)
    if site is not None and site.region:
        return company_id or site.company_id, site.region.strip().lower()
    company = await repository.get(connection, COMPANY, company_id) if company_id else None
    region = company.region.strip().lower() if company is not None and company.region else None
    return company_id, region


async def ensure_visible(
    connection: AsyncConnection, principal: Principal, record: Record, resource: str = "record"
) -> None:
    company_id, region = await placement(connection, record)
    ensure_access(principal, company_id or "", region, resource=resource)
