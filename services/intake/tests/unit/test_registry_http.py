"""The registry over HTTP answers typed records, one model per kind, and the OpenAPI document says so."""

from __future__ import annotations

import httpx
from aftercare_platform.auth import Authenticator, mint_token
from aftercare_platform.servers.http import build_http_app
from aftercare_platform.settings import ServiceSettings
from fastapi import APIRouter
from intake.entrypoints.registry_http import RECORD_MODELS, registry_router
from prometheus_client import CollectorRegistry

from .conftest import Service

SETTINGS = ServiceSettings(service_name="intake-registry-http", jwt_secret="registry-http-secret-0123456789-abcdef")


def client(service: Service) -> httpx.AsyncClient:
    api = APIRouter(prefix="/v1/intake")
    api.include_router(registry_router(service.registry, 64_000))
    app = build_http_app(SETTINGS, routers=[api], authenticator=Authenticator(SETTINGS), registry=CollectorRegistry())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake",
                             headers={"authorization": f"Bearer {mint_token(SETTINGS, 'desk-1', 'agent')}"})


async def test_records_are_answered_as_their_kinds_model(service: Service) -> None:
    async with client(service) as http:
        created = await http.post("/v1/intake/registry/companies", json={"company_id": "ACME", "name": "Acme"})
        site = await http.post("/v1/intake/registry/sites", json={
            "site_id": "S-1", "company_id": "ACME", "name": "Gate 3", "address": "1 Road", "region": "east"})
        renamed = await http.put("/v1/intake/registry/companies/ACME", json={"name": "Acme Ltd"})
        got = await http.get("/v1/intake/registry/companies/ACME")
        listed = await http.get("/v1/intake/registry/sites", params={"company_id": "ACME"})
        unknown_kind = await http.get("/v1/intake/registry/widgets/x")
        document = (await http.get("/openapi.json")).json()
    assert created.status_code == 201 and created.json() == {"company_id": "ACME", "name": "Acme", "region": ""}
    assert site.status_code == 201, site.text
    assert renamed.json()["name"] == "Acme Ltd" and got.json() == renamed.json()
    assert listed.json() == {"items": [site.json()], "next_page_token": ""}
    assert unknown_kind.status_code == 404

    def response_schema(path: str, method: str, code: str = "200") -> str:
        content = document["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
        return str(content.get("$ref", ""))

    for kind, model in RECORD_MODELS.items():
        path = f"/v1/intake/registry/{kind.value}"
        assert response_schema(f"{path}/{{key}}", "get").endswith(f"/{model.__name__}")
        assert response_schema(f"{path}/{{key}}", "put").endswith(f"/{model.__name__}")
        assert response_schema(path, "post", "201").endswith(f"/{model.__name__}")
        assert response_schema(path, "get").endswith(f"/{model.__name__.replace('Record', 'Page')}")
        request = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert request.endswith(f"/{model.__name__.replace('Record', 'Fields')}")
        assert set(document["components"]["schemas"][model.__name__]["required"]) == set(model.model_fields)


def test_each_record_model_has_its_proto_messages_fields() -> None:
    from aftercare.intake.v1 import intake_pb2 as pb

    for model in RECORD_MODELS.values():
        message = getattr(pb, model.__name__.removesuffix("Record"))
        assert list(model.model_fields) == [f.name for f in message.DESCRIPTOR.fields]
