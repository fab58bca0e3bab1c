"""A lost database or broker connection is an outage: waited out by consumers, 503 + Retry-After at the edge."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
import sqlalchemy.exc
from aftercare_platform.auth import Authenticator
from aftercare_platform.errors import Unavailable
from aftercare_platform.outage import RETRY_AFTER_SECONDS, OutageGate, is_connection_failure, is_outage_error
from aftercare_platform.servers.http import build_http_app
from aftercare_platform.settings import ServiceSettings
from fastapi import APIRouter
from prometheus_client import CollectorRegistry


def _wrapped(original: BaseException) -> sqlalchemy.exc.DBAPIError:
    """What SQLAlchemy raises for a driver error: the driver's error as the cause."""
    try:
        try:
            raise original
        except BaseException as cause:
            raise sqlalchemy.exc.InterfaceError("SELECT 1", {}, cause) from cause
    except sqlalchemy.exc.DBAPIError as wrapped:
        return wrapped


@pytest.mark.parametrize("error", [
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.InterfaceError("connection is closed"),
])
def test_a_lost_or_refused_database_connection_is_an_outage(error: BaseException) -> None:
    assert is_connection_failure(error)
    assert is_connection_failure(_wrapped(error))


@pytest.mark.parametrize("error", [
    asyncpg.DataError("invalid input for query argument $1"),
    asyncpg.UniqueViolationError("duplicate key"),
    ValueError("bad payload"),
    ConnectionError("a downstream HTTP service is down"),  # probed, not assumed: see OutageGate
])
def test_the_works_own_failures_are_not_connection_failures(error: BaseException) -> None:
    assert not is_connection_failure(error)
    assert not is_connection_failure(_wrapped(error))


async def test_an_error_is_an_outage_when_the_probe_fails_too() -> None:
    answers = {"now": True}

    async def probe() -> bool:
        return answers["now"]

    gate = OutageGate("database", probe)
    assert not await gate.is_outage(ConnectionError("downstream down"))
    answers["now"] = False
    assert await gate.is_outage(ConnectionError("reset"))
    assert await gate.is_outage(asyncpg.ConnectionDoesNotExistError("closed"))


SETTINGS = ServiceSettings(service_name="intake", jwt_secret="outage-test-secret-0123456789-0123456789")
router = APIRouter()


@router.get("/lost")
async def lost() -> None:
    raise _wrapped(asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"))


@router.get("/refused")
async def refused() -> None:
    raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")


@router.get("/unavailable")
async def unavailable() -> None:
    raise Unavailable("cases cannot be reached")


@pytest.mark.parametrize("path", ["/lost", "/refused", "/unavailable"])
async def test_an_outage_is_503_with_retry_after(path: str) -> None:
    app = build_http_app(SETTINGS, routers=[router], readiness_checks={}, authenticator=Authenticator(SETTINGS),
                         telemetry=None, registry=CollectorRegistry())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        response = await client.get(path)
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/unavailable")
    assert is_outage_error(ConnectionRefusedError()) and not is_outage_error(ValueError())


async def test_a_step_that_meets_a_blip_is_retried_until_it_lands() -> None:
    from aftercare_platform.outage import retry_through_blips

    tries: list[int] = []
    waits: list[float] = []

    async def record_outcome() -> None:
        tries.append(1)
        if len(tries) < 3:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    await retry_through_blips(record_outcome, within=15, what="recording", sleep=no_sleep)
    assert len(tries) == 3
    assert len(waits) == 2 and all(wait < 2.5 for wait in waits)  # seconds, not a 30 s lease


class _AbortingContext:
    """What grpc.aio's context.abort does: records the status and raises."""

    async def abort(self, code, details, trailing_metadata=()):
        self.code, self.details, self.trailing = code, details, dict(trailing_metadata)
        raise RuntimeError("aborted")


async def test_an_outage_in_an_rpc_is_unavailable_with_a_retry_delay() -> None:
    import grpc
    from aftercare_platform.servers.grpc_errors import STATUS_DETAILS_KEY, _abort_for
    from google.rpc import error_details_pb2, status_pb2

    context = _AbortingContext()
    with pytest.raises(RuntimeError, match="aborted"):
        await _abort_for(_wrapped(asyncpg.ConnectionDoesNotExistError("closed")), context, "/x.v1.S/M")
    assert context.code == grpc.StatusCode.UNAVAILABLE
    status = status_pb2.Status.FromString(context.trailing[STATUS_DETAILS_KEY])
    retry = error_details_pb2.RetryInfo()
    assert any(detail.Unpack(retry) for detail in status.details if detail.Is(retry.DESCRIPTOR))
    assert retry.retry_delay.seconds == RETRY_AFTER_SECONDS

    context = _AbortingContext()
    with pytest.raises(RuntimeError, match="aborted"):
        await _abort_for(ValueError("a bug"), context, "/x.v1.S/M")
    assert context.code == grpc.StatusCode.INTERNAL  # only outages are UNAVAILABLE
