"""What a caller may read of intake, and nothing it writes: a receipt (GetReceipt) and coverage (CheckCoverage).

The registry's reads stay with its handlers (`handlers/registry.py`), which share their access rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument, NotFound
from aftercare_platform.validation import uuid_field
from sqlalchemy import select

from intake.adapters import case_index, registry_repository
from intake.adapters.receipts import Receipt, load
from intake.adapters.registry_access import ensure_visible
from intake.adapters.registry_rows import CONTRACT, SITE, asset_of
from intake.adapters.tables import assets
from intake.domain.downtime import DowntimeInterval
from intake.domain.registry import Asset, Contract
from intake.domain.warranty import CHINA_TIME, Coverage, EntitlementDecision, coverage, entitlement


@dataclass(frozen=True)
class CoverageAnswer:
    on_date: date
    coverage: Coverage
    entitlement: EntitlementDecision
    downtime: Sequence[DowntimeInterval]


def _pick(found: list[Asset], serial: str, manufacturer: str | None) -> Asset:
    if manufacturer:
        found = [asset for asset in found if asset.manufacturer.casefold() == manufacturer.casefold()]
    if not found:
        raise NotFound(f"asset {serial} is not registered", serial_number=serial)
    if len(found) > 1:
        raise InvalidArgument.for_field("manufacturer", f"serial number {serial} is registered by "
                                        f"{len(found)} manufacturers: name the manufacturer")
    return found[0]


async def check_coverage(database: Database, principal: Principal, *, serial_number: str | None,
                         manufacturer: str | None, contract_id: str | None, on_date: date | None) -> CoverageAnswer:
    """Coverage (its reason and the downtime's case numbers) is the owning company's business: whoever
    may not see that company gets the same NotFound as for an unregistered asset."""
    if not serial_number and not contract_id:
        raise InvalidArgument.for_field("serial_number", "name the asset (serial number) or a contract_id")
    async with database.unit_of_work() as uow:
        connection = uow.connection
        asset: Asset | None = None
        if serial_number:
            rows = (await connection.execute(select(assets).where(assets.c.serial_number == serial_number))).mappings()
            asset = _pick([asset_of(row) for row in rows], serial_number, manufacturer)
        contract: Contract | None = None
        wanted_contract = (asset.contract_id if asset else None) or contract_id
        if wanted_contract:
            contract = await registry_repository.get(connection, CONTRACT, wanted_contract)
            if contract is None and contract_id and not asset:
                raise NotFound(f"contract {contract_id} not found", contract_id=contract_id)
        site = await registry_repository.get(connection, SITE, asset.site_id) if asset and asset.site_id else None
        owned: Asset | Contract | None = asset or contract
        assert owned is not None  # an unknown contract was refused above
        await ensure_visible(connection, principal, owned,
                             resource=f"asset {serial_number}" if serial_number else f"contract {contract_id}")
        zone = ZoneInfo(site.time_zone) if site else CHINA_TIME
        downtime = await case_index.downtime_for(
            connection, asset_key=asset.key if asset else None,
            contract_id=contract.contract_id if contract else None, whole_contract=asset is None)
        day = on_date or uow.clock.now().astimezone(zone).date()
    return CoverageAnswer(day, coverage(asset, contract, downtime, day, zone),
                          entitlement(asset, contract, downtime, day, zone), downtime)


async def get_receipt(database: Database, receipt_id: str, principal: Principal | None) -> Receipt:
    """Staff see every receipt, a partner its own; anyone holding the (unguessable) id sees it when
    `principal` is None, which is how the public web form follows up."""
    key = uuid_field("receipt_id", receipt_id)  # the id a submission was answered with
    receipt = await load(database, key)
    if receipt is None:
        raise NotFound(f"receipt {key} not found", receipt_id=key)
    if principal is not None and not principal.is_staff:
        own = principal.role is Role.PARTNER and receipt.partner_id == principal.subject
        company = receipt.identification.get("company_id")
        customer = principal.role is Role.CUSTOMER and company and company == principal.company_id
        if not (own or customer):
            raise NotFound(f"receipt {key} not found", receipt_id=key)
    return receipt
