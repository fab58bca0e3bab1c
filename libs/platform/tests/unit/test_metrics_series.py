"""Metrics a client cannot inflate: the Host header (or any header) creates no series."""

from __future__ import annotations

import httpx
from aftercare_platform.auth import Authenticator
from aftercare_platform.servers.http import build_http_app
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import setup_telemetry
from fastapi import APIRouter
from prometheus_client import CollectorRegistry

SETTINGS = ServiceSettings(service_name="intake", jwt_secret="metrics-test-secret-0123456789-0123456789")
router = APIRouter()


@router.get("/v1/things/{thing}")
async def thing(thing: str) -> dict[str, str]:
    return {"thing": thing}


async def test_hosts_and_paths_of_clients_create_no_series() -> None:
    registry = CollectorRegistry()
    telemetry = setup_telemetry(SETTINGS, registry=registry, set_global=False)
    app = build_http_app(SETTINGS, routers=[router], readiness_checks={}, authenticator=Authenticator(SETTINGS),
                         telemetry=telemetry, registry=registry)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        for n in range(5):
            response = await client.get(f"/v1/things/t{n}", headers={"host": f"spoofed-{n}.example:81{n}"})
            assert response.status_code == 200
        exposed = (await client.get("/metrics")).text
    assert "http_server" in exposed  # the requests were measured
    assert "spoofed" not in exposed
    assert "t3" not in exposed  # nor each path: the route template names them
    telemetry.shutdown()
