"""REST: typed pydantic bodies; errors become RFC 9457 problems in the platform's handlers."""

from __future__ import annotations

from datetime import datetime

from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from inspection.reads import InspectionReads


class PingBody(BaseModel):
    id: str
    text: str
    by: str
    at: datetime


def router(reads: InspectionReads) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["inspection"])

    @api.get("/pings/{ping_id}", response_model=PingBody)
    async def get_ping(ping_id: str, principal: Principal = Depends(require_principal)) -> PingBody:
        ping = await reads.ping(ping_id)
        return PingBody(id=ping.id, text=ping.text, by=ping.by, at=ping.at)

    return api
