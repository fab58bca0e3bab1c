"""The platform's HTTP request guard, in front of every endpoint of every service: bad paths and
queries are 400 naming the field, the token is checked before the body is read, the body is capped
(413) and of a media type the endpoint takes (415)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from aftercare_platform.auth import Authenticator, Principal, mint_token
from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.servers.http import build_http_app
from aftercare_platform.servers.http_guard import accepts
from aftercare_platform.servers.http_openapi import json_body
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.validation import INT64_MAX
from fastapi import APIRouter, Depends, Request
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

SETTINGS = ServiceSettings(service_name="guarded", jwt_secret="guard-test-secret-0123456789-0123456789",
                           http_max_body_bytes=4096)
router = APIRouter(prefix="/v1")


class Note(BaseModel):
    text: str


@router.post("/things/special")
async def special_thing(principal: Principal = Depends(require_principal)) -> dict[str, str]:
    return {"thing_id": "special"}


@router.get("/things/{thing_id}")
async def get_thing(thing_id: str, after: int = 0, principal: Principal = Depends(require_principal)) -> dict[str, str]:
    return {"thing_id": thing_id, "after": str(after)}


@router.delete("/things/{thing_id}")
async def drop_thing(thing_id: str, principal: Principal = Depends(require_principal)) -> dict[str, str]:
    return {"thing_id": thing_id}


@router.post("/things")
async def add_thing(note: Note, principal: Principal = Depends(require_principal)) -> dict[str, str]:
    return {"text": note.text}


@router.post("/raw-notes", openapi_extra=json_body(Note))
async def raw_note(request: Request, principal: Principal = Depends(require_principal)) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.post("/public/csv")
@accepts("text/csv")
async def public_csv(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


def client() -> httpx.AsyncClient:
    app = build_http_app(SETTINGS, routers=[router], authenticator=Authenticator(SETTINGS),
                         registry=CollectorRegistry())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://guarded")


def token() -> dict[str, str]:
    return {"authorization": f"Bearer {mint_token(SETTINGS, 'agent-1', 'agent')}"}


def field_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["field"])


async def test_nul_in_the_path_or_the_query_is_400_naming_the_field() -> None:
    async with client() as http:
        in_path = await http.get("/v1/things/a%00b", headers=token())
        in_query = await http.get("/v1/things/a", params={"filter": "x\x00y"}, headers=token())
        anonymous = await http.get("/v1/things/a%00b")  # refused before anything else
    assert in_path.status_code == 400 and field_of(in_path) == "path"
    assert in_query.status_code == 400 and field_of(in_query) == "filter"
    assert anonymous.status_code == 400
    assert in_path.headers["content-type"] == "application/problem+json"


async def test_an_integer_past_int64_is_400_naming_the_parameter() -> None:
    async with client() as http:
        past = await http.get("/v1/things/a", params={"after": str(INT64_MAX + 1)}, headers=token())
        edge = await http.get("/v1/things/a", params={"after": str(INT64_MAX)}, headers=token())
        in_path = await http.get(f"/v1/things/{INT64_MAX + 1}", headers=token())
    assert past.status_code == 400 and field_of(past) == "after"
    assert edge.status_code == 200
    assert in_path.status_code == 400 and field_of(in_path) == "path"


async def test_invalid_utf8_in_the_query_is_400() -> None:
    async with client() as http:
        response = await http.get("/v1/things/a?filter=%ff%fe", headers=token())
    assert response.status_code == 400 and field_of(response) == "query"


async def test_an_anonymous_body_is_refused_before_it_is_read() -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b"x" * 1024

    async with client() as http:
        response = await http.post("/v1/things", content=body(), headers={"content-type": "application/json"})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    assert sent <= 1  # the body was never read


async def test_a_body_past_the_limit_is_413_declared_or_streamed() -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 1024

    async with client() as http:
        declared = await http.post("/v1/things", content=b"x" * 5000,
                                   headers={**token(), "content-type": "application/json"})
        streamed = await http.post("/v1/things", content=body(),
                                   headers={**token(), "content-type": "application/json"})
        fine = await http.post("/v1/things", json={"text": "hello"}, headers=token())
    assert declared.status_code == 413 and declared.headers["content-type"] == "application/problem+json"
    assert streamed.status_code == 413
    assert fine.status_code == 200


async def test_a_body_of_the_wrong_media_type_is_415_and_invalid_utf8_json_is_400() -> None:
    async with client() as http:
        form = await http.post("/v1/things", data={"text": "x"}, headers=token())
        csv = await http.post("/v1/public/csv", content=b"a,b\n", headers={"content-type": "text/csv"})
        json_to_csv = await http.post("/v1/public/csv", json={"a": 1})
        not_utf8 = await http.post("/v1/things", content=b'{"text": "\xff"}',
                                   headers={**token(), "content-type": "application/json"})
    assert form.status_code == 415 and "application/json" in form.json()["detail"]
    assert csv.status_code == 200 and json_to_csv.status_code == 415
    assert not_utf8.status_code == 400


async def test_the_openapi_names_the_bearer_scheme_and_the_problem_responses() -> None:
    async with client() as http:
        schema = (await http.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer",
                                                                 "bearerFormat": "JWT"}
    add = schema["paths"]["/v1/things"]["post"]
    assert add["security"] == [{"bearer": []}]
    assert {"400", "401", "403", "404", "413", "415"} <= set(add["responses"]) and "422" not in add["responses"]
    assert "application/problem+json" in add["responses"]["413"]["content"]
    raw = schema["paths"]["/v1/raw-notes"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert raw == {"$ref": "#/components/schemas/Note"} and "text" in schema["components"]["schemas"]["Note"][
        "properties"]
    public = schema["paths"]["/v1/public/csv"]["post"]
    assert "security" not in public and "401" not in public["responses"]


async def test_a_method_no_route_takes_is_405_allowing_every_method_the_path_has() -> None:
    async with client() as http:
        wrong = await http.patch("/v1/things/a", headers=token())
        collection = await http.get("/v1/things", headers=token())
        special = await http.options("/v1/things/special", headers=token())
    # GET and DELETE are two routes of one path: Starlette alone would name the first only
    assert wrong.status_code == 405 and wrong.headers["allow"] == "DELETE, GET"
    assert wrong.headers["content-type"] == "application/problem+json"
    assert collection.status_code == 405 and collection.headers["allow"] == "POST"
    # a path of its own beside a template it also fits names its own path's methods, as OpenAPI does
    assert special.status_code == 405 and special.headers["allow"] == "POST"
