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


async def test_each_request_is_one_info_access_line_with_its_route(caplog) -> None:
    import logging

    app = build_http_app(SETTINGS, routers=[router], readiness_checks={}, authenticator=Authenticator(SETTINGS),
                         telemetry=None, registry=CollectorRegistry())
    transport = httpx.ASGITransport(app=app)
    with caplog.at_level(logging.INFO, logger="aftercare.access"):
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            await client.get("/v1/things/t1")
            await client.get("/healthz")
    lines = [r for r in caplog.records if r.name == "aftercare.access" and r.levelno == logging.INFO]
    assert len(lines) == 1  # the probe is not logged at INFO
    assert lines[0].http_method == "GET" and lines[0].http_route == "/v1/things/{thing}"
    assert lines[0].http_status == 200 and lines[0].duration_ms >= 0


def test_a_reconnect_warning_is_logged_once_without_its_stack() -> None:
    import logging

    from aftercare_platform.telemetry.logs import RepeatedWarningFilter

    repeats = RepeatedWarningFilter(window=60)

    def attempt(at: float) -> logging.LogRecord:
        try:
            raise ConnectionRefusedError("connect call failed")
        except ConnectionRefusedError:
            import sys

            record = logging.LogRecord("aio_pika.robust_connection", logging.WARNING, "", 0,
                                       "Connection attempt to %r failed: %r. Reconnecting after %r seconds.",
                                       ("amqp://", "refused", 1), sys.exc_info())
        record.created = at
        return record

    first, second, later = attempt(100.0), attempt(101.0), attempt(200.0)
    assert repeats.filter(first) and first.exc_info is None
    assert not repeats.filter(second)
    assert repeats.filter(later)  # a new outage, a new line
