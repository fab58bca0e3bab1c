"""Embedded mode (`aftercare run` without PostgreSQL or RabbitMQ): the same migrations on SQLite and the
same API; a plan schedules its visits and the report renders."""

import asyncio

import grpc
import httpx
import pytest
from aftercare.common.v1 import common_pb2
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare.inspection.v1 import inspection_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.embedded.runner import build_embedded
from aftercare_platform.servers.runner import ServiceRunner
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import setup_telemetry
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.waiting import eventually
from inspection.bootstrap import definition
from prometheus_client import CollectorRegistry

pytestmark = pytest.mark.integration


async def test_inspection_runs_embedded_on_sqlite(tmp_path, monkeypatch):
    http_port, grpc_port = free_port(), free_port()
    for name, value in {"HTTP_PORT": http_port, "GRPC_PORT": grpc_port, "TICK_SECONDS": "0.2"}.items():
        monkeypatch.setenv(f"AFTERCARE_{name}", str(value))
    settings = ServiceSettings(service_name="embedded-inspection-test")
    runner = ServiceRunner(settings, telemetry=setup_telemetry(settings, registry=CollectorRegistry(),
                                                               set_global=False), handle_signals=False)
    running = asyncio.create_task(runner.run(lambda t: build_embedded([definition], tmp_path, t)))

    async def ready() -> bool:
        if running.done():
            running.result()
        try:
            async with httpx.AsyncClient() as http:
                return (await http.get(f"http://127.0.0.1:{http_port}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    await eventually(ready, what="the embedded service ready")
    try:
        agent = [("authorization", f"Bearer {mint_token(settings, 'agent-1', 'agent')}")]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            stub = inspection_pb2_grpc.InspectionServiceStub(channel)
            plan = pb.Plan(company_id="ACME", contract_id="ACME-C1", site_id="S1", region="east",
                           title="Monthly remote check", preset="first_week_next_month", starts_on="2027-01-01",
                           mode=pb.INSPECTION_MODE_REMOTE, horizon_days=400)
            created = await stub.CreatePlan(pb.CreatePlanRequest(plan=plan), metadata=agent)
            assert created.scheduled[0].scheduled_on == "2027-01-04"  # 1-3 January off, Monday the 4th
            listed = await stub.ListInspections(pb.ListInspectionsRequest(plan_id=created.plan.plan_id),
                                                metadata=agent)
            assert len(listed.inspections) == len(created.scheduled) >= 10
            everything = [i.inspection_id for i in listed.inspections]
            await _pages_match(stub, agent, created.plan.plan_id, everything)
            await _http_pages_match(http_port, agent, created.plan.plan_id, everything)
    finally:
        runner.request_shutdown("test over")
        await running


async def _pages_match(stub, agent, plan_id, everything):
    """gRPC: pages of 5 walk the whole list once, in order; a token is bound to its filters."""
    seen, token, pages, tokens = [], "", 0, []
    while True:
        page = await stub.ListInspections(pb.ListInspectionsRequest(
            plan_id=plan_id, page=common_pb2.PageRequest(page_size=5, page_token=token)), metadata=agent)
        seen += [i.inspection_id for i in page.inspections]
        pages, token = pages + 1, page.page.next_page_token
        assert len(page.inspections) <= 5
        if not token:
            break
        tokens.append(token)
    assert seen == everything and pages >= 3
    with pytest.raises(grpc.aio.AioRpcError) as other_filter:
        await stub.ListInspections(pb.ListInspectionsRequest(
            plan_id="another", page=common_pb2.PageRequest(page_token=tokens[0])), metadata=agent)
    assert other_filter.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page.page_token" in other_filter.value.details()
    plans = await stub.ListPlans(pb.ListPlansRequest(page=common_pb2.PageRequest(page_size=1)), metadata=agent)
    assert [p.plan_id for p in plans.plans] == [plan_id] and plans.page.next_page_token
    rest = await stub.ListPlans(pb.ListPlansRequest(
        page=common_pb2.PageRequest(page_size=1, page_token=plans.page.next_page_token)), metadata=agent)
    assert list(rest.plans) == [] and rest.page.next_page_token == ""


async def _http_pages_match(http_port, agent, plan_id, everything):
    headers = {"authorization": agent[0][1]}
    seen, token = [], ""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}", headers=headers) as http:
        while True:
            got = await http.get("/v1/inspections", params={"plan_id": plan_id, "page_size": 4, "page_token": token})
            assert got.status_code == 200, got.text
            body = got.json()
            seen += [i["inspection_id"] for i in body["items"]]
            token = body["next_page_token"]
            if not token:
                break
        assert seen == everything
        forged = await http.get("/v1/inspections", params={"page_token": "eyJhIjoxfQ"})
        assert forged.status_code == 400 and "page.page_token" in forged.text
        negative = await http.get("/v1/plans", params={"page_size": -1})
        assert negative.status_code == 400 and "page_size" in negative.text
