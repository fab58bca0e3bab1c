"""aftercare.survey.v1.SurveyService: requests to handler calls, results to responses; nothing else.

Errors are raised as `aftercare_platform.errors` and mapped to gRPC statuses by the server."""

from __future__ import annotations

from typing import Any

from aftercare.survey.v1 import survey_pb2 as pb
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.auth.context import current_principal

from survey.adapters.events import timestamp
from survey.domain.pings import Ping
from survey.handlers import SurveyHandlers
from survey.reads import SurveyReads


def ping_message(ping: Ping) -> pb.Ping:
    return pb.Ping(id=ping.id, text=ping.text, by=ping.by, at=timestamp(ping))


class SurveyServicer(survey_pb2_grpc.SurveyServiceServicer):
    def __init__(self, handlers: SurveyHandlers, reads: SurveyReads) -> None:
        self.handlers, self.reads = handlers, reads

    async def Ping(self, request: pb.PingRequest, context: Any) -> pb.PingResponse:
        ping = await self.handlers.ping(request.text, current_principal().subject)
        return pb.PingResponse(ping=ping_message(ping))

    async def GetPing(self, request: pb.GetPingRequest, context: Any) -> pb.GetPingResponse:
        return pb.GetPingResponse(ping=ping_message(await self.reads.ping(request.id)))
