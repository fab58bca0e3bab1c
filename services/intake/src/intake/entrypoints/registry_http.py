"""The registry over HTTP: one route per kind of record (`/v1/intake/registry/companies/{key}`…), each
with its typed body, so the OpenAPI document shows a company as a company. A record's fields are its
proto message's, as text (empty for none; dates `YYYY-MM-DD`), as its CSV columns are named."""

from __future__ import annotations

import json
from typing import Any

from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.servers.http_openapi import json_body
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, create_model

from intake.adapters.proto_mapping import record_values
from intake.entrypoints.http_bodies import read_body
from intake.handlers.registry import ID_FIELD, RegistryHandlers
from intake.parsing.csv_import import ImportKind


class CompanyRecord(BaseModel):
    company_id: str
    name: str
    region: str


class ContactRecord(BaseModel):
    contact_id: str
    company_id: str
    name: str
    phone: str
    email: str
    role: str
    site_id: str
    language: str


class ContractRecord(BaseModel):
    contract_id: str
    company_id: str
    sla_policy: str
    start_on: str
    acceptance_on: str
    warranty_months: str
    billable_rule: str


class SiteRecord(BaseModel):
    site_id: str
    company_id: str
    name: str
    address: str
    region: str
    time_zone: str


class AssetRecord(BaseModel):
    serial_number: str
    manufacturer: str
    model: str
    site_id: str
    contract_id: str
    installed_on: str
    accepted_on: str
    manufacturer_warranty_end: str


RECORD_MODELS: dict[ImportKind, type[BaseModel]] = {
    ImportKind.COMPANIES: CompanyRecord, ImportKind.CONTACTS: ContactRecord, ImportKind.CONTRACTS: ContractRecord,
    ImportKind.SITES: SiteRecord, ImportKind.ASSETS: AssetRecord,
}


def _fields_model(record: type[BaseModel]) -> type[BaseModel]:
    """What a create or update takes: the record's fields, each optional (missing ones are named by the 400)."""
    fields: dict[str, Any] = {name: (str | int | None, None) for name in record.model_fields}
    return create_model(record.__name__.replace("Record", "Fields"), **fields)


def registry_router(registry: RegistryHandlers, max_request_bytes: int) -> APIRouter:
    router = APIRouter()
    for kind, model in RECORD_MODELS.items():
        _add_kind(router, registry, kind, model, max_request_bytes)
    return router


def _add_kind(router: APIRouter, registry: RegistryHandlers, kind: ImportKind, model: type[BaseModel],
              max_request_bytes: int) -> None:
    page = create_model(model.__name__.replace("Record", "Page"), items=(list[model], ...),  # type: ignore[valid-type]
                        next_page_token=(str, ...))
    body = json_body(_fields_model(model))
    id_field = ID_FIELD.get(kind, "serial_number")

    async def create_record(request: Request, principal: Principal = Depends(require_principal)) -> Any:
        values = _record_body(await read_body(request, max_request_bytes))
        return model(**record_values(await registry.create(principal, kind, values)))

    async def update_record(key: str, request: Request, principal: Principal = Depends(require_principal)) -> Any:
        values = _record_body(await read_body(request, max_request_bytes))
        values[id_field] = values.get(id_field) or key
        return model(**record_values(await registry.update(principal, kind, values)))

    async def get_record(key: str, principal: Principal = Depends(require_principal)) -> Any:
        return model(**record_values(await registry.get(principal, kind, key)))

    async def get_asset(key: str, manufacturer: str = "", principal: Principal = Depends(require_principal)) -> Any:
        """An asset by serial number; `manufacturer` tells apart two makers' equal serial numbers."""
        return model(**record_values(await registry.get_asset(principal, key, manufacturer or None)))

    async def list_records(company_id: str = "", site_id: str = "", contract_id: str = "", page_size: int = 0,
                           page_token: str = "", principal: Principal = Depends(require_principal)) -> Any:
        where = {"company_id": company_id} if kind not in (ImportKind.ASSETS, ImportKind.COMPANIES) \
            else {"site_id": site_id, "contract_id": contract_id} if kind is ImportKind.ASSETS else {}
        records, token = await registry.list(principal, kind, where, page_size=page_size, page_token=page_token)
        return page(items=[model(**record_values(r)) for r in records], next_page_token=token)

    path, name = f"/registry/{kind.value}", kind.value
    router.add_api_route(path, create_record, methods=["POST"], status_code=201, response_model=model,
                         openapi_extra=body, name=f"create_{name}")
    router.add_api_route(f"{path}/{{key}}", update_record, methods=["PUT"], response_model=model,
                         openapi_extra=body, name=f"update_{name}")
    router.add_api_route(f"{path}/{{key}}", get_asset if kind is ImportKind.ASSETS else get_record, methods=["GET"],
                         response_model=model, name=f"get_{name}")
    router.add_api_route(path, list_records, methods=["GET"], response_model=page, name=f"list_{name}")


def _record_body(raw: bytes) -> dict[str, str | None]:
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument.for_field("body", "is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidArgument.for_field("body", "must be a JSON object")
    return {str(k): (None if v is None or v == "" else str(v)) for k, v in data.items()}
