"""inspection on real PostgreSQL and RabbitMQ, in this process, through its gRPC and HTTP interfaces."""

import grpc
import pytest
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare.inspection.v1 import inspection_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.clock import SystemClock
from aftercare_platform.service.assemble import open_database
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.waiting import eventually
from grpc_health.v1 import health_pb2, health_pb2_grpc
from inspection.bootstrap import definition
from inspection.reads import InspectionReads

pytestmark = pytest.mark.integration


async def test_a_ping_over_grpc_is_stored_read_over_http_and_consumed(database_url, amqp_url) -> None:
    settings = definition.settings(database_url=database_url, amqp_url=amqp_url,
                                   http_port=free_port(), grpc_port=free_port())
    token = mint_token(settings, "agent-1", "agent", regions=["east"])
    headers = {"authorization": f"Bearer {token}"}
    async with service_in_process(definition, settings) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{settings.grpc_port}") as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="aftercare.inspection.v1.InspectionService"))
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        stub = inspection_pb2_grpc.InspectionServiceStub(channel)
        reply = await stub.Ping(pb.PingRequest(text="hello"), metadata=list(headers.items()))
        body = (await http.get(f"/v1/pings/{reply.ping.id}", headers=headers)).json()
        assert (body["id"], body["text"], body["by"]) == (reply.ping.id, "hello", "agent-1")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.Ping(pb.PingRequest(text=" "), metadata=list(headers.items()))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        missing = await http.get("/v1/pings/nope", headers=headers)
        assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
        database = open_database(definition, settings, SystemClock())
        try:
            async def consumed() -> bool:
                return await InspectionReads(database).received() == 1

            await eventually(consumed, what="the pinged event consumed through RabbitMQ")
        finally:
            await database.close()
