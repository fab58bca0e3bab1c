"""A real grpc.aio server on an ephemeral port: health, reflection, auth, access and error mapping."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from aftercare_platform.auth import Authenticator, Role, current_principal, ensure_access, mint_token
from aftercare_platform.clock import FakeClock
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from aftercare_platform.servers.grpc import GrpcServer, build_grpc_server
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel
from aftercare_platform.servers.grpc_errors import domain_error_from_rpc_error
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry import Telemetry, setup_telemetry
from aftercare_platform.telemetry.instrumentation import grpc_client_interceptors
from aftercare_platform.testing.waiting import eventually
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry, generate_latest

SERVICE = "aftercare.test.v1.CaseProbeService"
SETTINGS = ServiceSettings(service_name="probe", jwt_secret="grpc-test-secret-0123456789-0123456789",
                           shutdown_grace_seconds=1.0)


def _encode(message: Any) -> bytes:
    return json.dumps(message).encode()


async def who_am_i(request: dict[str, Any], context: Any) -> dict[str, Any]:
    principal = current_principal()
    return {"subject": principal.subject, "role": principal.role.value}


async def get_case(request: dict[str, Any], context: Any) -> dict[str, Any]:
    ensure_access(current_principal(), request["company"], request["region"], resource="case")
    return {"case": "EA-20260105-000001", "company": request["company"]}


async def create_case(request: dict[str, Any], context: Any) -> dict[str, Any]:
    if not request.get("description"):
        raise InvalidArgument.for_field("description", "must not be empty")
    raise FailedPrecondition("case is closed", case_number="EA-20260105-000001")


async def explode(request: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("database password is hunter2")


async def timeline(request: dict[str, Any], context: Any) -> AsyncIterator[dict[str, Any]]:
    ensure_access(current_principal(), request["company"], request["region"], resource="case")
    yield {"entry": 1}
    yield {"entry": 2}
    if request.get("fail"):
        raise FailedPrecondition("timeline truncated")


async def countdown(request: dict[str, Any], context: Any) -> None:
    # the other streaming style: write instead of yield (grpc's own health Watch is written so)
    for remaining in range(request["from"], 0, -1):
        await context.write({"remaining": remaining})
    if request.get("fail"):
        raise FailedPrecondition("countdown aborted")


def register_probe(server: Any) -> None:
    def unary(fn: Any) -> Any:
        return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=json.loads,
                                                   response_serializer=_encode)

    handlers = {
        "WhoAmI": unary(who_am_i),
        "GetCase": unary(get_case),
        "CreateCase": unary(create_case),
        "Explode": unary(explode),
        "Timeline": grpc.unary_stream_rpc_method_handler(timeline, request_deserializer=json.loads,
                                                         response_serializer=_encode),
        "Countdown": grpc.unary_stream_rpc_method_handler(countdown, request_deserializer=json.loads,
                                                          response_serializer=_encode),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def telemetry(spans: InMemorySpanExporter) -> AsyncIterator[Telemetry]:
    configured = setup_telemetry(SETTINGS, span_processors=[SimpleSpanProcessor(spans)],
                                 registry=CollectorRegistry(), set_global=False)
    yield configured  # type: ignore[misc]
    configured.shutdown()


@pytest.fixture
async def server(telemetry: Telemetry) -> AsyncIterator[GrpcServer]:
    built = build_grpc_server(SETTINGS, servicers=[register_probe], service_names=[SERVICE],
                              authenticator=Authenticator(SETTINGS), telemetry=telemetry,
                              host="127.0.0.1", port=0)
    await built.start()
    yield built
    await built.stop(0)


@pytest.fixture
async def channel(server: GrpcServer, telemetry: Telemetry) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}",
                                         interceptors=grpc_client_interceptors(telemetry)) as opened:
        yield opened


def token(role: Role = Role.CUSTOMER, company: str | None = "A", **kwargs: Any) -> str:
    return mint_token(SETTINGS, "alice", role, company=company, **kwargs)


def bearer(value: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {value}"),)


async def call(channel: grpc.aio.Channel, method: str, request: dict[str, Any],
               metadata: tuple[tuple[str, str], ...] | None = None) -> Any:
    stub = channel.unary_unary(f"/{SERVICE}/{method}", request_serializer=_encode,
                               response_deserializer=json.loads)
    return await stub(request, metadata=metadata if metadata is not None else bearer(token()))


async def test_health_reports_the_server_and_each_service_serving(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)

    for service in ("", SERVICE):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING

    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await health.Check(health_pb2.HealthCheckRequest(service="aftercare.nope.v1.Nothing"))
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND


async def test_not_serving_flips_every_service(server: GrpcServer, channel: grpc.aio.Channel) -> None:
    await server.set_not_serving()

    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", SERVICE):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_reflection_lists_the_services(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def one_request() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    listed = set()
    async for response in stub.ServerReflectionInfo(one_request()):
        listed |= {service.name for service in response.list_services_response.service}

    assert {SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= listed


async def test_the_callers_principal_reaches_the_handler(channel: grpc.aio.Channel) -> None:
    assert await call(channel, "WhoAmI", {}) == {"subject": "alice", "role": "customer"}


async def test_each_call_is_authenticated_by_its_own_token_though_the_method_is_wrapped_once(
        server: GrpcServer, channel: grpc.aio.Channel) -> None:
    as_bob = bearer(mint_token(SETTINGS, "bob", Role.AGENT))
    answers = [await call(channel, "WhoAmI", {}, metadata=metadata) for metadata in (bearer(token()), as_bob,
                                                                                       bearer(token()), as_bob)]
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # right after authorized calls of the same method
        await call(channel, "WhoAmI", {}, metadata=())

    assert [answer["subject"] for answer in answers] == ["alice", "bob", "alice", "bob"]
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_a_call_without_a_token_is_unauthenticated(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(channel, "WhoAmI", {}, metadata=())

    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "missing bearer token"


async def test_a_forged_token_is_unauthenticated(channel: grpc.aio.Channel) -> None:
    forged = mint_token(SETTINGS.model_copy(update={"jwt_secret": "m" * 40}), "mallory", Role.ADMIN)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(channel, "WhoAmI", {}, metadata=bearer(forged))

    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "token signature is invalid"


async def test_an_expired_token_is_unauthenticated(channel: grpc.aio.Channel) -> None:
    expired = token(ttl=60, clock=FakeClock(datetime.now(UTC) - timedelta(hours=1)))

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(channel, "WhoAmI", {}, metadata=bearer(expired))

    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "token has expired"


async def test_a_customer_of_company_a_cannot_act_as_company_b(channel: grpc.aio.Channel) -> None:
    assert (await call(channel, "GetCase", {"company": "A", "region": "east"}))["company"] == "A"

    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await call(channel, "GetCase", {"company": "B", "region": "east"})

    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    assert hidden.value.details() == "case not found"


async def test_a_domain_error_becomes_its_status_with_field_violations(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(channel, "CreateCase", {"description": ""})

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == "description: must not be empty"
    rebuilt = domain_error_from_rpc_error(refused.value)
    assert isinstance(rebuilt, InvalidArgument)
    assert [(v.field, v.description) for v in rebuilt.violations] == [("description", "must not be empty")]


async def test_a_domain_errors_name_and_extras_travel_in_the_details(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(channel, "CreateCase", {"description": "printer on fire"})

    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    rebuilt = domain_error_from_rpc_error(refused.value)
    assert isinstance(rebuilt, FailedPrecondition)
    assert rebuilt.code == "failed-precondition"
    assert rebuilt.extra == {"case_number": "EA-20260105-000001"}


async def test_an_unexpected_exception_is_internal_without_its_stack_or_message(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(channel, "Explode", {})

    assert failed.value.code() is grpc.StatusCode.INTERNAL
    assert failed.value.details().startswith("internal error")
    on_the_wire = failed.value.details() + repr(failed.value.trailing_metadata()) + failed.value.debug_error_string()
    assert "hunter2" not in on_the_wire and "Traceback" not in on_the_wire
    logged = [record for record in caplog.records if record.getMessage() == "rpc failed unexpectedly"]
    assert logged and logged[0].exc_info is not None


async def test_a_server_stream_is_authorized_and_its_domain_errors_mapped(channel: grpc.aio.Channel) -> None:
    stream = channel.unary_stream(f"/{SERVICE}/Timeline", request_serializer=_encode,
                                  response_deserializer=json.loads)

    entries = [item async for item in stream({"company": "A", "region": "east"}, metadata=bearer(token()))]
    assert entries == [{"entry": 1}, {"entry": 2}]

    received = []
    with pytest.raises(grpc.aio.AioRpcError) as truncated:
        async for item in stream({"company": "A", "region": "east", "fail": True}, metadata=bearer(token())):
            received.append(item)
    assert received == [{"entry": 1}, {"entry": 2}]
    assert truncated.value.code() is grpc.StatusCode.FAILED_PRECONDITION

    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        async for _ in stream({"company": "B", "region": "east"}, metadata=bearer(token())):
            pass
    assert hidden.value.code() is grpc.StatusCode.NOT_FOUND

    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        async for _ in stream({"company": "A", "region": "east"}, metadata=()):
            pass
    assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_the_server_span_continues_the_callers_trace(
    channel: grpc.aio.Channel, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    with telemetry.tracer("test").start_as_current_span("caller") as caller:
        await call(channel, "WhoAmI", {})

    server_spans = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server_spans, "the server made no span"
    served = server_spans[-1]
    assert served.name == f"/{SERVICE}/WhoAmI"
    assert served.context.trace_id == caller.get_span_context().trace_id


async def test_health_probes_make_no_spans(channel: grpc.aio.Channel, spans: InMemorySpanExporter) -> None:
    await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))

    assert not [s for s in spans.get_finished_spans() if "Health" in s.name]


async def test_a_service_channel_sends_its_system_token_and_the_trace(
    server: GrpcServer, telemetry: Telemetry, spans: InMemorySpanExporter
) -> None:
    tokens = SystemTokenSource(SETTINGS.model_copy(update={"service_name": "intake"}))
    async with create_channel(f"127.0.0.1:{server.port}", telemetry=telemetry, token=tokens) as channel:
        with telemetry.tracer("test").start_as_current_span("intake handles a web form") as caller:
            answer = await call(channel, "WhoAmI", {}, metadata=())

    assert answer == {"subject": "intake", "role": "system"}
    served = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER][-1]
    assert served.context.trace_id == caller.get_span_context().trace_id


async def test_a_stream_written_with_context_write_is_traced_and_mapped(
    channel: grpc.aio.Channel, spans: InMemorySpanExporter
) -> None:
    stream = channel.unary_stream(f"/{SERVICE}/Countdown", request_serializer=_encode,
                                  response_deserializer=json.loads)

    assert [item async for item in stream({"from": 2}, metadata=bearer(token()))] == [
        {"remaining": 2}, {"remaining": 1}]
    with pytest.raises(grpc.aio.AioRpcError) as aborted:
        async for _ in stream({"from": 1, "fail": True}, metadata=bearer(token())):
            pass
    assert aborted.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert [s.name for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER] == [
        f"/{SERVICE}/Countdown", f"/{SERVICE}/Countdown"]


async def test_calls_are_counted_by_method_and_status_for_prometheus(
    channel: grpc.aio.Channel, telemetry: Telemetry
) -> None:
    await call(channel, "WhoAmI", {})
    with pytest.raises(grpc.aio.AioRpcError):
        await call(channel, "GetCase", {"company": "B", "region": "east"})

    async def both_counted() -> bool:
        counts = [line for line in generate_latest(telemetry.registry).decode().splitlines()
                  if line.startswith("rpc_server_duration_seconds_count")]
        return all(any(f'rpc_method="{method}"' in line and f'rpc_grpc_status="{status}"' in line for line in counts)
                   for method, status in (("WhoAmI", "OK"), ("GetCase", "NOT_FOUND")))

    # an aborted call's status reaches the client before the server's interceptor records it: on a busy box
    # the client's read can come first
    await eventually(both_counted, within=10, what="WhoAmI OK and GetCase NOT_FOUND counted")


async def raw_call(channel: grpc.aio.Channel, method: str, data: bytes,
                   metadata: tuple[tuple[str, str], ...] | None = None) -> Any:
    stub = channel.unary_unary(method, request_serializer=lambda raw: raw, response_deserializer=lambda raw: raw)
    return await stub(data, metadata=metadata)


async def test_malformed_bytes_are_invalid_argument_after_the_token_and_log_no_error(
        channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture) -> None:
    garbage = b"\xff\xfe not a message"
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await raw_call(channel, f"/{SERVICE}/WhoAmI", garbage)
    assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED  # the token is checked first
    with pytest.raises(grpc.aio.AioRpcError) as signed:
        await raw_call(channel, f"/{SERVICE}/WhoAmI", garbage, bearer(token()))
    assert signed.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as public:
        await raw_call(channel, "/grpc.health.v1.Health/Check", b"\x0a\xff\xff\xff")  # a truncated field
    assert public.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "Error" not in (public.value.details() or "")  # no Python class on the wire
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_nul_character_in_any_string_is_invalid_argument_naming_the_field(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await health.Check(health_pb2.HealthCheckRequest(service="aftercare\x00cases"))
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    error = domain_error_from_rpc_error(refused.value)
    assert error is not None and [v.field for v in error.violations] == ["service"]
