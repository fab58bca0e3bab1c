"""`aftercare.probe.v1.ProbeService/Ping`, JSON over gRPC (no generated code): a request dict in, a dict out."""

from __future__ import annotations

import json
from typing import Any

import grpc

from aftercare_platform.auth.context import current_principal
from aftercare_platform.testing.probe_service.handlers import ProbeHandlers

SERVICE = "aftercare.probe.v1.ProbeService"


def _json(message: Any) -> bytes:
    return json.dumps(message).encode()


class ProbeServicer:
    def __init__(self, handlers: ProbeHandlers) -> None:
        self._handlers = handlers

    async def ping(self, request: dict[str, Any], context: Any) -> dict[str, Any]:
        ping = await self._handlers.ping(request.get("text"), current_principal().subject)
        return {"id": ping.id}

    def register(self, server: Any) -> None:
        handler = grpc.unary_unary_rpc_method_handler(self.ping, request_deserializer=json.loads,
                                                      response_serializer=_json)
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Ping": handler}),))
