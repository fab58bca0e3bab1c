"""aftercare.inspection.v1.InspectionService: requests to handler calls, results to responses; nothing else.

Errors are raised as `aftercare_platform.errors` and mapped to gRPC statuses by the server."""

from __future__ import annotations

from typing import Any

from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare.inspection.v1 import inspection_pb2_grpc
from aftercare_platform.auth.context import current_principal

from inspection.adapters.events import timestamp
from inspection.domain.pings import Ping
from inspection.handlers import InspectionHandlers
from inspection.reads import InspectionReads


def ping_message(ping: Ping) -> pb.Ping:
    return pb.Ping(id=ping.id, text=ping.text, by=ping.by, at=timestamp(ping))


class InspectionServicer(inspection_pb2_grpc.InspectionServiceServicer):
    def __init__(self, handlers: InspectionHandlers, reads: InspectionReads) -> None:
        self.handlers, self.reads = handlers, reads

    async def Ping(self, request: pb.PingRequest, context: Any) -> pb.PingResponse:
        ping = await self.handlers.ping(request.text, current_principal().subject)
        return pb.PingResponse(ping=ping_message(ping))

    async def GetPing(self, request: pb.GetPingRequest, context: Any) -> pb.GetPingResponse:
        return pb.GetPingResponse(ping=ping_message(await self.reads.ping(request.id)))
