"""Embedded mode: the same migrations on SQLite (append-only trigger included) and the same API
through the in-process bus, for a laptop without PostgreSQL or RabbitMQ."""

import asyncio

import grpc
import httpx
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.embedded.runner import build_embedded, embedded_settings
from aftercare_platform.servers.runner import ServiceRunner
from aftercare_platform.service.assemble import open_database
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import setup_telemetry
from cases.bootstrap import definition
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from .conftest import AGENT, create_request, eventually, free_port


async def test_the_service_runs_embedded_on_sqlite(tmp_path, monkeypatch):
    http_port, grpc_port = free_port(), free_port()
    monkeypatch.setenv("AFTERCARE_HTTP_PORT", str(http_port))
    monkeypatch.setenv("AFTERCARE_GRPC_PORT", str(grpc_port))
    monkeypatch.setenv("AFTERCARE_WATCH_POLL_SECONDS", "0.2")
    settings = ServiceSettings(service_name="embedded-cases-test")
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
        from aftercare_platform.auth.tokens import mint_token

        from .conftest import Cases  # noqa: F401  (tokens are minted with the same development secret)

        metadata = [("authorization", f"Bearer {mint_token(settings, *AGENT)}")]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            stub = cases_pb2_grpc.CaseServiceStub(channel)
            first = (await stub.CreateCase(create_request("e-1", description="摄像头无图像"), metadata=metadata)).case
            again = await stub.CreateCase(create_request("e-1", description="摄像头无图像"), metadata=metadata)
            second = (await stub.CreateCase(create_request("e-2"), metadata=metadata)).case
            assert again.case.case_id == first.case_id and not again.created
            assert [first.case_number[-6:], second.case_number[-6:]] == ["000001", "000002"]
            watch = stub.WatchCase(pb.WatchCaseRequest(case_id=first.case_id), metadata=metadata)
            assert (await watch.read()).entry.kind == "created"
            await stub.AddNote(pb.AddNoteRequest(case_id=first.case_id, text="kiwi"), metadata=metadata)
            assert (await asyncio.wait_for(watch.read(), 10)).entry.payload["text"] == "kiwi"
            watch.cancel()
            found = await stub.SearchCases(pb.SearchCasesRequest(query="无图像"), metadata=metadata)
            assert [c.case_id for c in found.cases] == [first.case_id]
            verified = await stub.VerifyTimeline(pb.VerifyTimelineRequest(case_id=first.case_id), metadata=metadata)
            assert verified.ok and verified.entries_checked == 2

        database = open_database(definition, embedded_settings(definition, tmp_path), clock=None)  # type: ignore[arg-type]
        try:
            async with database.engine.begin() as connection:
                with pytest.raises(IntegrityError, match="append-only"):
                    await connection.execute(text("UPDATE cases.timeline SET kind = 'edited'"))
        finally:
            await database.close()
    finally:
        runner.request_shutdown("test over")
        await running
