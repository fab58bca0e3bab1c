"""`python -m <service> relay`: a service run with relay_in_process=false publishes nothing itself; its relay
sidecar publishes every event once, and what committed while the sidecar was down goes out when it is back."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.infra import Servers, create_database, drop_database
from aftercare_platform.testing.processes import EventTap, ServiceProcess

from .conftest import AGENT, LOOP, REGION, SETTINGS

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


def opening(request_id: str) -> cases_pb.CreateCaseRequest:
    return cases_pb.CreateCaseRequest(
        request_id=request_id, region=REGION, company_id="sidecar-co", description="UPS alarm in room 2",
        caller=cases_pb.Caller(name="Sun Li", phone="+86 137 0000 0000"), category=cases_pb.CATEGORY_B,
        kind=cases_pb.CASE_KIND_DEFECT, priority=cases_pb.PRIORITY_P2, channel=cases_pb.CHANNEL_HOTLINE)


async def test_the_relay_sidecar_publishes_what_the_service_commits_once_and_after_a_restart(
        servers: Servers, tmp_path) -> None:
    database, database_url = await create_database(servers.pg_admin_url, prefix="aftercare_sidecar")
    common = {"database_url": database_url, "amqp_url": servers.amqp_url, "region": REGION,
              "http_host": "127.0.0.1", "grpc_host": "127.0.0.1", "log_json": "false", "log_level": "WARNING",
              "drain_seconds": "0", "shutdown_grace_seconds": "5", "jwt_secret": SETTINGS.jwt_secret}
    cases = ServiceProcess("cases", {**common, "relay_in_process": "false"}, tmp_path)
    relay = ServiceProcess("cases", {**common, "migrate_on_start": "false"}, tmp_path, args=("relay",))
    events = EventTap(await open_broker(servers.amqp_url, "sidecar-tap"), f"sidecar.events-{uuid.uuid4().hex[:8]}")
    try:
        await events.start()
        await cases.start()
        async with grpc.aio.insecure_channel(cases.target) as channel:
            api = cases_pb2_grpc.CaseServiceStub(channel)
            first = (await api.CreateCase(opening("sidecar-1"), metadata=AGENT)).case
            await asyncio.sleep(2)
            assert not events.of(first.case_id), "the service published though its relay is not in process"

            await relay.start()
            assert await events.emitted(first.case_id, "aftercare.case.created") == 1

            assert await relay.stop() == 0
            second = (await api.CreateCase(opening("sidecar-2"), metadata=AGENT)).case
            await asyncio.sleep(1)
            assert not events.of(second.case_id)
            await relay.start()
            assert await events.emitted(second.case_id, "aftercare.case.created") == 1
            assert len(events.ids(first.case_id, "aftercare.case.created")) == 1
    finally:
        for process in (relay, cases):
            if process.running:
                await process.stop()
        await events.close()
        await drop_database(servers.pg_admin_url, database)
    assert cases.exit_codes == [0] and relay.exit_codes == [0, 0], (cases.tail(), relay.tail())
