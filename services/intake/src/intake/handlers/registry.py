"""Managing the registry: create, read, list and replace companies, contacts, contracts, sites and
assets. Each write is one transaction with its event (`aftercare.contract.*`, `aftercare.asset.*`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from aftercare.intake.v1 import events_pb2
from aftercare_platform.auth.access import ensure_access, require_role
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import FieldViolation, InvalidArgument, NotFound
from aftercare_platform.paging import PageTokens
from aftercare_platform.paging import page_size as _page_size
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters import registry_repository as repository
from intake.adapters.proto_mapping import Record, actor_message, record_message, timestamp
from intake.adapters.registry_access import ensure_visible
from intake.adapters.registry_rows import ASSET, COMPANY, CONTACT, CONTRACT, SITE, Kind
from intake.adapters.tables import assets
from intake.domain.identification import asset_key
from intake.domain.registry import Asset, Contact, Contract, Site
from intake.parsing.csv_import import ImportKind, columns, read_record

WRITERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
KINDS: Mapping[ImportKind, Kind] = {ImportKind.COMPANIES: COMPANY, ImportKind.CONTACTS: CONTACT,
                                    ImportKind.CONTRACTS: CONTRACT, ImportKind.SITES: SITE, ImportKind.ASSETS: ASSET}
SINGULAR: Mapping[ImportKind, str] = {ImportKind.COMPANIES: "company", ImportKind.CONTACTS: "contact",
                                      ImportKind.CONTRACTS: "contract", ImportKind.SITES: "site",
                                      ImportKind.ASSETS: "asset"}
ID_FIELD: Mapping[ImportKind, str] = {ImportKind.COMPANIES: "company_id", ImportKind.CONTACTS: "contact_id",
                                       ImportKind.CONTRACTS: "contract_id", ImportKind.SITES: "site_id"}


def validated(kind: ImportKind, values: Mapping[str, str | None], *, allocate_id: bool) -> Record:
    """A record from request fields; InvalidArgument naming every bad field as `<kind>.<field>`."""
    cells = dict(values)
    known = {name for name, _ in columns(kind)}
    unknown = sorted(set(cells) - known)
    if unknown:
        violations = [FieldViolation(f"{SINGULAR[kind]}.{name}", "is not a field of this record") for name in unknown]
        raise InvalidArgument("; ".join(f"{v.field}: {v.description}" for v in violations), violations=violations)
    id_field = ID_FIELD.get(kind)
    if allocate_id and id_field and not (cells.get(id_field) or "").strip():
        cells[id_field] = str(uuid.uuid4())
    outcome = read_record(kind, cells)
    if outcome.record is None:
        prefix = SINGULAR[kind]
        violations = [FieldViolation(f"{prefix}.{error.field}", error.reason) for error in outcome.errors]
        raise InvalidArgument("; ".join(f"{v.field}: {v.description}" for v in violations), violations=violations)
    return outcome.record


def references(record: Record) -> list[tuple[str, Kind, str | None]]:
    """(field, kind, key) of the records this one names, which must exist."""
    if isinstance(record, Contact):
        return [("company_id", COMPANY, record.company_id), ("site_id", SITE, record.site_id)]
    if isinstance(record, Contract | Site):
        return [("company_id", COMPANY, record.company_id)]
    if isinstance(record, Asset):
        return [("site_id", SITE, record.site_id), ("contract_id", CONTRACT, record.contract_id)]
    return []


async def check_references(connection: AsyncConnection, record: Record, prefix: str) -> None:
    for field, kind, key in references(record):
        if key and await repository.get(connection, kind, key) is None:
            raise InvalidArgument.for_field(f"{prefix}.{field}", f"{kind.name} {key} is not registered")


def _event(kind: ImportKind, created: bool, record: Record, uow: UnitOfWork, principal: Principal,
           region: str) -> None:
    common: dict[str, Any] = {"actor": actor_message(principal), "occurred_at": timestamp(uow.clock.now())}
    if isinstance(record, Contract):
        message: Any = (events_pb2.ContractCreated if created else events_pb2.ContractUpdated)(
            contract=record_message(record), **common)
        uow.emit(f"aftercare.contract.{'created' if created else 'updated'}.v1", subject=record.contract_id,
                 data=message, region=region)
    elif isinstance(record, Asset):
        message = (events_pb2.AssetCreated if created else events_pb2.AssetUpdated)(
            asset=record_message(record), **common)
        uow.emit(f"aftercare.asset.{'created' if created else 'updated'}.v1", subject=record.key, data=message,
                 region=region)


class RegistryHandlers:
    def __init__(self, database: Database, region: str, page_tokens: PageTokens) -> None:
        self._db = database
        self._region = region
        self._tokens = page_tokens

    async def create(self, principal: Principal, kind: ImportKind, values: Mapping[str, str | None]) -> Record:
        require_role(principal, *WRITERS)
        record = validated(kind, values, allocate_id=True)
        async with self._db.unit_of_work() as uow:
            await check_references(uow.connection, record, SINGULAR[kind])
            await repository.create(uow.connection, KINDS[kind], record, uow.clock.now())
            _event(kind, True, record, uow, principal, self._region)
        return record

    async def update(self, principal: Principal, kind: ImportKind, values: Mapping[str, str | None]) -> Record:
        require_role(principal, *WRITERS)
        record = validated(kind, values, allocate_id=False)
        async with self._db.unit_of_work() as uow:
            await check_references(uow.connection, record, SINGULAR[kind])
            await repository.replace(uow.connection, KINDS[kind], record, uow.clock.now())
            _event(kind, False, record, uow, principal, self._region)
        return record

    async def get(self, principal: Principal, kind: ImportKind, key: str) -> Record:
        if not (key or "").strip():
            raise InvalidArgument.for_field(ID_FIELD.get(kind, "serial_number"), "is required")
        async with self._db.unit_of_work() as uow:
            record = await repository.get(uow.connection, KINDS[kind], key.strip())
            if record is None:
                raise NotFound(f"{SINGULAR[kind]} {key} not found")
            await self._ensure_visible(uow.connection, principal, record)
        return record  # type: ignore[no-any-return]

    async def get_asset(self, principal: Principal, serial_number: str, manufacturer: str | None) -> Asset:
        if not serial_number.strip():
            raise InvalidArgument.for_field("serial_number", "is required")
        async with self._db.unit_of_work() as uow:
            if manufacturer:
                found = await repository.get(uow.connection, ASSET, asset_key(manufacturer, serial_number))
                matching = [found] if found else []
            else:
                rows = await uow.connection.execute(select(assets).where(assets.c.serial_number == serial_number))
                matching = [ASSET.of_row(row) for row in rows.mappings()]
            if not matching:
                raise NotFound(f"asset {serial_number} not found", serial_number=serial_number)
            if len(matching) > 1:
                raise InvalidArgument.for_field("manufacturer", f"{len(matching)} manufacturers use serial number "
                                                f"{serial_number}: name the manufacturer")
            await self._ensure_visible(uow.connection, principal, matching[0])
        return matching[0]  # type: ignore[no-any-return]

    async def list(self, principal: Principal, kind: ImportKind, where: Mapping[str, str], *, page_size: int,
                   page_token: str) -> tuple[list[Record], str]:
        filters = {name: value for name, value in where.items() if value}
        size, after = _page_size(page_size), self._after(kind, page_token)
        async with self._db.unit_of_work() as uow:
            if not principal.is_staff:
                company = await self._company_of_filter(uow.connection, kind, filters)
                ensure_access(principal, company, None, resource=SINGULAR[kind])
            records, last = await repository.page(uow.connection, KINDS[kind], where=filters, after=after, size=size)
        return records, self._tokens.issue({"t": kind.value, "k": last}) if last else ""

    def _after(self, kind: ImportKind, token: str) -> str | None:
        """The key a page token continues after; one issued for another kind of record is refused."""
        if not token:
            return None
        body = self._tokens.read(token)
        if body.get("t") != kind.value or not isinstance(body.get("k"), str):
            raise InvalidArgument.for_field("page.page_token",
                                            f"was not issued for a list of {kind.value}; start again")
        return str(body["k"])

    async def _company_of_filter(
        self, connection: AsyncConnection, kind: ImportKind, filters: Mapping[str, str]
    ) -> str:
        """A customer or partner lists within one company it may see: named, or found through a site/contract."""
        if kind is ImportKind.COMPANIES:
            raise NotFound("companies not found")
        if "company_id" in filters:
            return filters["company_id"]
        for field, owner in (("site_id", SITE), ("contract_id", CONTRACT)):
            if field in filters and (found := await repository.get(connection, owner, filters[field])) is not None:
                return str(found.company_id)
        raise InvalidArgument.for_field("company_id", "is required for a customer or partner")

    async def _ensure_visible(self, connection: AsyncConnection, principal: Principal, record: Record) -> None:
        await ensure_visible(connection, principal, record)
