"""Under fire: reports keep coming through intake while each service is SIGKILLed and restarted, and the
connections between services and PostgreSQL / RabbitMQ are cut and delayed through fault proxies. After
it, every accepted report has exactly one case with its SLA clocks, every timeline verifies, and no
parking queue holds anything.

The shared PostgreSQL and RabbitMQ are never restarted here (other test runs use them): an outage of
theirs is a fault proxy between one service and the server, dropping and refusing its connections; the
real server restarts happen on a PostgreSQL cluster and a RabbitMQ node the test starts for itself."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Awaitable, Callable

import grpc
import httpx
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare_platform.testing.fault_proxy import FaultProxy
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.infra import Servers, create_database, drop_database, drop_vhost, own_vhost
from aftercare_platform.testing.private_servers import PrivatePostgres, PrivateRabbitMQ
from aftercare_platform.testing.waiting import eventually

from .conftest import (
    AGENT,
    LOOP,
    REGION,
    REPORTER,
    SETTINGS,
    EventTap,
    ServiceProcess,
    Stack,
    case_number_of,
    register_company,
    running_stack,
    sla_known,
)

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
WAVES = 6
PER_WAVE = 5
PARKING_QUEUES = ("cases.sla-events.dlq", "sla-timer.case-events.dlq", "intake.case-events.dlq")


async def _sigkill_and_restart(service: ServiceProcess) -> None:
    process, service.process = service.process, None
    assert process is not None
    process.send_signal(signal.SIGKILL)
    await process.wait()
    await service.start()


async def test_reports_survive_killed_services_and_cut_connections(servers: Servers, tmp_path) -> None:
    database, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_chaos")
    # a vhost of its own: the package's shared stack (its own sla-timer on the same queue names) stays apart
    amqp_url, vhost = own_vhost(servers.amqp_url)
    # sla-timer reaches PostgreSQL, and cases reaches RabbitMQ, through proxies that fail on demand
    sla_db = FaultProxy.for_url(database_url, 5432)
    cases_broker = FaultProxy.for_url(amqp_url, 5672)
    await sla_db.start()
    await cases_broker.start()
    common = {
        "database_url": database_url, "amqp_url": amqp_url, "region": REGION,
        "http_host": "127.0.0.1", "grpc_host": "127.0.0.1", "migrate_on_start": "true",
        "log_json": "false", "log_level": "WARNING", "drain_seconds": "0", "shutdown_grace_seconds": "5",
        "jwt_secret": SETTINGS.jwt_secret, "jwt_issuer": SETTINGS.jwt_issuer, "jwt_audience": SETTINGS.jwt_audience,
    }
    cases = ServiceProcess("cases", {**common, "amqp_url": cases_broker.rewrite(amqp_url)}, tmp_path)
    sla = ServiceProcess("sla_timer", {**common, "database_url": sla_db.rewrite(database_url)}, tmp_path)
    intake = ServiceProcess("intake", {
        **common, "cases_grpc_target": cases.target, "cases_reconnect_max_seconds": "0.5",
        "delivery_initial_backoff_seconds": "0.2", "delivery_max_backoff_seconds": "1.0",
        "delivery_poll_seconds": "0.2", "submit_wait_seconds": "1", "smtp_port": "0",
        "attachment_dir": str(tmp_path / "attachments"),
    }, tmp_path)
    processes = [intake, sla, cases]
    tap = EventTap(await open_broker(amqp_url, "chaos-tap"), f"chaos.events-{uuid.uuid4().hex[:8]}")
    try:
        async with running_stack(cases, sla, intake, tap) as stack:
            company = await register_company(stack, "chaos")

            async def cut(proxy: FaultProxy) -> None:
                await proxy.cut_for(3)

            async def slow(proxy: FaultProxy) -> None:
                proxy.delay = 0.05
                await asyncio.sleep(2)
                proxy.delay = 0.0

            async def readiness_follows_the_broker() -> None:
                """Ready means consuming: not ready while cases cannot reach its queue, ready once re-attached."""
                await cases_broker.cut()
                try:
                    await eventually(lambda: _ready_is(stack.http, cases, 503), within=30, what="cases not ready")
                finally:
                    cases_broker.restore()
                await eventually(lambda: _ready_is(stack.http, cases, 200), within=60, what="cases consuming again")

            faults: list[Callable[[], Awaitable[None]]] = [
                lambda: _sigkill_and_restart(cases),
                lambda: cut(sla_db),  # sla-timer's database gone for 3 s
                lambda: _sigkill_and_restart(sla),
                readiness_follows_the_broker,  # cases' broker connection gone until it says so
                lambda: slow(sla_db),
                lambda: _sigkill_and_restart(intake),
            ]
            receipts = []
            for wave, fault in enumerate(faults[:WAVES]):
                # reports in flight while the fault strikes; intake may refuse one while it is down (retried)
                reports = asyncio.gather(*(
                    _submit_until_accepted(stack, company, wave * PER_WAVE + n) for n in range(PER_WAVE)))
                await fault()
                receipts += await reports

            assert len(receipts) == WAVES * PER_WAVE
            await _every_report_one_case_nothing_parked(stack, company, receipts, amqp_url)
    finally:
        for process in processes:
            if process.process is not None:
                await process.stop()
        await tap.close()
        await sla_db.stop()
        await cases_broker.stop()
        await drop_database(servers.pg_admin_url, database)
        if vhost is not None:
            drop_vhost(vhost)


async def _every_report_one_case_nothing_parked(stack: Stack, company, receipts, amqp_url: str) -> None:
    numbers = await asyncio.gather(*(case_number_of(stack, r.receipt_id, within=120) for r in receipts))
    assert len(set(numbers)) == len(receipts)  # one case per report
    listed = await stack.cases_api.ListCases(cases_pb.ListCasesRequest(
        filter=cases_pb.CaseFilter(company_ids=[company.company_id]), page={"page_size": 100}),
        metadata=AGENT)
    assert sorted(c.case_number for c in listed.cases) == sorted(numbers)  # and no other
    for number in numbers:
        await sla_known(stack, number, within=120)  # its SLA clocks run
        verified = await stack.cases_api.VerifyTimeline(
            cases_pb.VerifyTimelineRequest(case_number=number), metadata=AGENT)
        assert verified.ok, verified.reason
    broker = await open_broker(amqp_url, "chaos-check")
    try:
        for queue in PARKING_QUEUES:
            assert await broker.queue_depth(queue) == 0, f"{queue} holds parked events"
    finally:
        await broker.close()


async def test_reports_survive_postgres_and_rabbitmq_restarts(tmp_path) -> None:
    """The servers themselves restart under load: a PostgreSQL cluster and a RabbitMQ node of this test's
    own (the shared ones are never restarted), each stopped and started while reports come in."""
    postgres, rabbitmq = PrivatePostgres(), PrivateRabbitMQ()
    await asyncio.gather(asyncio.to_thread(postgres.start), asyncio.to_thread(rabbitmq.start))
    _, database_url = await create_database(postgres.admin_url, prefix="aftercare_chaos")
    common = {
        "database_url": database_url, "amqp_url": rabbitmq.url, "region": REGION,
        "http_host": "127.0.0.1", "grpc_host": "127.0.0.1", "migrate_on_start": "true",
        "log_json": "false", "log_level": "WARNING", "drain_seconds": "0", "shutdown_grace_seconds": "5",
        "jwt_secret": SETTINGS.jwt_secret, "jwt_issuer": SETTINGS.jwt_issuer, "jwt_audience": SETTINGS.jwt_audience,
    }
    cases = ServiceProcess("cases", common, tmp_path)
    sla = ServiceProcess("sla_timer", common, tmp_path)
    intake = ServiceProcess("intake", {
        **common, "cases_grpc_target": cases.target, "cases_reconnect_max_seconds": "0.5",
        "delivery_initial_backoff_seconds": "0.2", "delivery_max_backoff_seconds": "1.0",
        "delivery_poll_seconds": "0.2", "submit_wait_seconds": "1", "smtp_port": "0",
        "attachment_dir": str(tmp_path / "attachments"),
    }, tmp_path)
    processes = [intake, sla, cases]
    tap = EventTap(await open_broker(rabbitmq.url, "chaos-tap"), f"chaos.events-{uuid.uuid4().hex[:8]}")
    try:
        async with running_stack(cases, sla, intake, tap) as stack:
            company = await register_company(stack, "restarts")
            restarts: list[Callable[[], Awaitable[None]]] = [
                lambda: postgres.arestart(down_seconds=0.5),
                lambda: rabbitmq.arestart(down_seconds=1),
                lambda: postgres.arestart(down_seconds=2),
            ]
            receipts = []
            for wave, restart in enumerate(restarts):
                reports = asyncio.gather(*(
                    _submit_until_accepted(stack, company, wave * PER_WAVE + n) for n in range(PER_WAVE)))
                await asyncio.sleep(0.2)  # reports in flight when the server goes
                await restart()
                receipts += await reports
            assert len(receipts) == len(restarts) * PER_WAVE
            await _every_report_one_case_nothing_parked(stack, company, receipts, rabbitmq.url)
    finally:
        for process in processes:
            if process.process is not None:
                await process.stop()
        await tap.close()
        await asyncio.to_thread(rabbitmq.close)
        await asyncio.to_thread(postgres.close)


async def _ready_is(http: httpx.AsyncClient, service: ServiceProcess, status: int) -> bool:
    try:
        return (await http.get(f"http://127.0.0.1:{service.http_port}/readyz")).status_code == status
    except httpx.HTTPError:
        return False


async def _submit_until_accepted(stack: Stack, company, n: int) -> intake_pb.Receipt:
    """A partner system retries, with the same request id, what intake could not take (UNAVAILABLE while it
    restarts, or an answer lost to a kill): one report stays one receipt."""
    request = intake_pb.SubmitCaseRequest(
        partner_request_id=f"CHAOS-{uuid.uuid4()}", reporter=REPORTER,
        hints=intake_pb.ReportHints(serial_number=company.serial), summary="Camera down",
        description=f"Camera {n} lost its picture", error_codes=[f"CHAOS-{n:03d}"], category=cases_pb.CATEGORY_A,
        kind=cases_pb.CASE_KIND_DEFECT, stated_severity=intake_pb.STATED_SEVERITY_CRITICAL)
    for _ in range(120):
        try:
            reply = await stack.intake_api.SubmitCase(request, metadata=company.partner, timeout=10)
            return reply.receipt
        except grpc.aio.AioRpcError as error:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise
            await asyncio.sleep(0.5)
    raise AssertionError(f"report {n} never accepted")
