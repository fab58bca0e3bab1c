"""The HTTP edge in-process: health, readiness, metrics, problem bodies and the principal dependency."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from http import HTTPStatus

import httpx
import pytest
from aftercare_platform.auth import Authenticator, Principal, Role, current_principal, ensure_access, mint_token
from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.errors import FailedPrecondition
from aftercare_platform.servers.http import HttpServer, build_http_app, readiness_of
from aftercare_platform.servers.readiness import ReadinessCheck
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import setup_telemetry
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, Field
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

SETTINGS = ServiceSettings(service_name="intake", jwt_secret="http-test-secret-0123456789-0123456789")
# the app's own providers, so every request is traced whatever another test did to the global ones
TELEMETRY = setup_telemetry(SETTINGS, registry=CollectorRegistry(), set_global=False)
PROBLEM = "application/problem+json"


class NewCase(BaseModel):
    description: str = Field(min_length=1)
    company: str


router = APIRouter(prefix="/v1")


@router.post("/cases", status_code=201)
async def open_case(body: NewCase, principal: Principal = Depends(require_principal)) -> dict[str, str]:
    ensure_access(principal, body.company, "east", resource="company")
    # the principal is also in the request's context, for code below the endpoint
    return {"opened_by": current_principal().subject, "company": body.company}


@router.post("/cases/{number}/close")
async def close_case(number: str) -> None:
    raise FailedPrecondition(f"case {number} is already closed", case_number=number)


@router.get("/teapot")
async def teapot() -> None:
    raise HTTPException(status_code=418, detail="short and stout")


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("connection string postgres://secret@db")


def ok() -> ReadinessCheck:
    async def check() -> bool:
        return True

    return check


def failing() -> ReadinessCheck:
    async def check() -> bool:
        return False

    return check


def hanging() -> ReadinessCheck:
    async def check() -> bool:
        await asyncio.Event().wait()
        return True

    return check


def raising() -> ReadinessCheck:
    async def check() -> bool:
        raise ConnectionRefusedError("broker down")

    return check


def make_app(checks: dict[str, ReadinessCheck] | None = None, registry: CollectorRegistry | None = None) -> FastAPI:
    return build_http_app(SETTINGS, routers=[router], readiness_checks=checks or {"database": ok()},
                          authenticator=Authenticator(SETTINGS), telemetry=TELEMETRY,
                          registry=registry or CollectorRegistry(),
                          readiness_timeout_seconds=0.05)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(make_app()) as opened:
        yield opened


def client_for(app: FastAPI) -> httpx.AsyncClient:
    # raise_app_exceptions=False: see the response the client would, not the server's exception
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://intake")


def auth(role: Role = Role.CUSTOMER, company: str = "A") -> dict[str, str]:
    return {"authorization": f"Bearer {mint_token(SETTINGS, 'alice', role, company=company)}"}


async def test_healthz_says_alive(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200 and response.json()["status"] == "alive"


async def test_readyz_is_ready_when_every_check_passes() -> None:
    async with client_for(make_app({"database": ok(), "broker": ok()})) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.parametrize(("broker", "outcome"), [(failing(), "failed"), (hanging(), "timed out after 0.05s"),
                                                 (raising(), "error: ConnectionRefusedError")])
async def test_readyz_names_the_check_that_fails(broker: ReadinessCheck, outcome: str) -> None:
    async with client_for(make_app({"database": ok(), "broker": broker})) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "failing checks: broker"
    assert response.json()["checks"] == {"database": "ok", "broker": outcome}


async def test_readyz_is_503_once_shutdown_has_started() -> None:
    app = make_app()
    readiness_of(app).set_not_ready()
    async with client_for(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503 and response.json()["detail"] == "shutting down"


async def test_metrics_exposes_the_registry_in_prometheus_text() -> None:
    registry = CollectorRegistry()
    Counter("aftercare_test_forms", "forms received", registry=registry).inc()
    async with client_for(make_app(registry=registry)) as client:
        response = await client.get("/metrics")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "aftercare_test_forms_total 1.0" in response.text


async def test_a_domain_error_is_a_problem_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/cases/EA-1/close")

    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    problem = response.json()
    # the trace id lets support find the request's trace and logs from what the client saw
    assert re.fullmatch(r"[0-9a-f]{32}", problem.pop("trace_id"))
    assert problem == {
        "type": "https://aftercare.dev/problems/failed-precondition",
        "title": "Failed precondition",
        "status": 409,
        "detail": "case EA-1 is already closed",
        "case_number": "EA-1",
        "instance": "/v1/cases/EA-1/close",
    }


async def test_an_invalid_body_is_400_naming_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/cases", json={"description": ""}, headers=auth())

    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "https://aftercare.dev/problems/invalid-argument"
    assert {error["field"] for error in problem["errors"]} == {"body.description", "body.company"}
    assert all(error["description"] for error in problem["errors"])


async def test_an_http_exception_is_a_problem_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/teapot")

    assert response.status_code == 418 and response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == HTTPStatus.IM_A_TEAPOT.phrase
    assert response.json()["detail"] == "short and stout"


async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")

    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "about:blank"


async def test_an_unexpected_error_is_a_500_problem_without_the_stack(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await client.get("/v1/boom")

    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM
    assert "secret" not in response.text and "Traceback" not in response.text
    logged = [record for record in caplog.records if record.getMessage() == "request failed unexpectedly"]
    assert logged and logged[0].exc_info is not None


async def test_a_request_without_a_token_is_a_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/cases", json={"description": "printer on fire", "company": "A"})

    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "missing bearer token"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_forged_token_is_a_401_problem_saying_so(client: httpx.AsyncClient) -> None:
    forged = mint_token(SETTINGS.model_copy(update={"jwt_secret": "f" * 40}), "mallory", Role.ADMIN)
    response = await client.post("/v1/cases", json={"description": "x", "company": "A"},
                                 headers={"authorization": f"Bearer {forged}"})

    assert response.status_code == 401 and response.json()["detail"] == "token signature is invalid"


async def test_the_principal_reaches_the_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/cases", json={"description": "printer on fire", "company": "A"},
                                 headers=auth())

    assert response.status_code == 201 and response.json() == {"opened_by": "alice", "company": "A"}


async def test_a_customer_of_company_a_cannot_act_for_company_b(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/cases", json={"description": "printer on fire", "company": "B"},
                                 headers=auth(company="A"))

    assert response.status_code == 404 and response.json()["detail"] == "company not found"


async def test_the_server_reads_requests_with_the_c_parser() -> None:
    """uvicorn on httptools, not its pure-Python h11 fallback: a request served, and a broken one refused, by it."""
    server = HttpServer(make_app(), SETTINGS, host="127.0.0.1", port=0)
    await server.start()
    try:
        assert server._config.http_protocol_class is HttpToolsProtocol
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
            assert (await http.get("/healthz")).status_code == HTTPStatus.OK
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        await writer.drain()
        assert (await reader.readline()).startswith(b"HTTP/1.1 400")
        writer.close()
    finally:
        await server.stop()
