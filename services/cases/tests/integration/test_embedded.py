"""Embedded mode: the same migrations on SQLite (append-only trigger included) and the same API
through the in-process bus, for a laptop without PostgreSQL or RabbitMQ."""

import asyncio

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.embedded.runner import embedded_settings
from aftercare_platform.service.assemble import open_database
from cases.bootstrap import definition
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from .conftest import AGENT, create_request


async def test_the_service_runs_embedded_on_sqlite(embedded, tmp_path):
    async with embedded(definition, watch_poll_seconds=0.2) as service:
        metadata = service.auth(*AGENT)  # tokens are minted with the same development secret
        async with grpc.aio.insecure_channel(service.grpc_target) as channel:
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
