"""iCalendar feeds of duty shifts, for people's own calendar apps (a week back, four weeks ahead).

    GET /v1/engineers/{engineer_id}/shifts.ics[?sig=]   one engineer's shifts over their regions' rosters
    GET /v1/rosters/{roster_id}/shifts.ics[?sig=]       a roster's shifts
    GET /v1/engineers/{engineer_id}/feed-link           the signed link to subscribe to (no token needed)
    GET /v1/rosters/{roster_id}/feed-link

A feed is read with a bearer token (an engineer or expert only their own shifts; other staff any), or
with the `sig` of a signed link, which opens that one feed only."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.errors import PermissionDenied
from aftercare_platform.servers.http_openapi import problem_responses
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from dispatch.adapters.feed_links import FeedSigner
from dispatch.adapters.ical import shifts_feed
from dispatch.adapters.roster_mapping import roster_from_proto
from dispatch.domain.people import Engineer
from dispatch.domain.rosters import Shift, shifts
from dispatch.entrypoints.access import require_manager, require_staff
from dispatch.handlers import DispatchHandlers

PrincipalDep = Annotated[Principal, Depends(require_principal)]
ICALENDAR = "text/calendar; charset=utf-8"
FEED_BACK, FEED_AHEAD = timedelta(days=7), timedelta(days=28)
# people who read only their own shifts' feed
OWN_FEED_ONLY = frozenset({Role.ENGINEER, Role.EXPERT})
SignatureQuery = Annotated[str | None, Query(max_length=100, description="The signature of a signed feed link")]


class FeedLinkOut(BaseModel):
    url: str = Field(description="Path and query of the feed; subscribe to it from a calendar app")


def _own_or_manager(principal: Principal, person: Engineer) -> None:
    if principal.subject != person.subject:
        require_manager(principal)


def feeds_router(handlers: DispatchHandlers, signer: FeedSigner) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["duty feeds"])

    async def reader(request: Request, kind: str, key: str, sig: str | None) -> Principal | None:
        """None for a valid signed link; else the bearer token's principal (staff only)."""
        if sig is not None:
            if not signer.verify(kind, key, sig):
                raise PermissionDenied("the feed link is not valid (or was revoked); ask for a new one")
            return None
        principal = await require_principal(request)
        require_staff(principal)
        return principal

    @router.get("/engineers/{engineer_id}/shifts.ics", response_class=Response,
                responses={200: {"content": {ICALENDAR: {}}}, **problem_responses(401, 403)})
    async def engineer_feed(request: Request, engineer_id: str, sig: SignatureQuery = None) -> Response:
        """One engineer's shifts over every roster of their regions."""
        principal = await reader(request, "engineer", engineer_id, sig)
        person = await handlers.engineer(engineer_id)
        if principal is not None and principal.role in OWN_FEED_ONLY and principal.subject != person.subject:
            raise PermissionDenied("an engineer reads only their own shifts")
        moment = handlers.now()
        mine: list[Shift] = []
        for region in sorted(person.regions):
            for message in await handlers.roster_messages(region):
                roster = roster_from_proto(message)
                mine.extend(s for s in shifts(roster, moment - FEED_BACK, moment + FEED_AHEAD)
                            if s.engineer_id == engineer_id)
        feed = shifts_feed(f"{person.name or person.id} duty", sorted(mine, key=lambda s: s.start), moment)
        return Response(feed, media_type=ICALENDAR)

    @router.get("/rosters/{roster_id}/shifts.ics", response_class=Response,
                responses={200: {"content": {ICALENDAR: {}}}, **problem_responses(401, 403)})
    async def roster_feed(request: Request, roster_id: str, sig: SignatureQuery = None) -> Response:
        """The roster's shifts."""
        await reader(request, "roster", roster_id, sig)
        roster = await handlers.roster(roster_id)
        moment = handlers.now()
        body = shifts_feed(f"{roster.name or roster.id} duty", shifts(roster, moment - FEED_BACK, moment + FEED_AHEAD),
                           moment)
        return Response(body, media_type=ICALENDAR)

    @router.get("/engineers/{engineer_id}/feed-link", response_model=FeedLinkOut)
    async def engineer_feed_link(principal: PrincipalDep, engineer_id: str) -> FeedLinkOut:
        """The engineer's own signed link (or any engineer's, for a supervisor)."""
        _own_or_manager(principal, await handlers.engineer(engineer_id))
        return FeedLinkOut(url=f"/v1/engineers/{engineer_id}/shifts.ics?sig={signer.sign('engineer', engineer_id)}")

    @router.get("/rosters/{roster_id}/feed-link", response_model=FeedLinkOut)
    async def roster_feed_link(principal: PrincipalDep, roster_id: str) -> FeedLinkOut:
        require_staff(principal)
        roster = await handlers.roster(roster_id)
        return FeedLinkOut(url=f"/v1/rosters/{roster.id}/shifts.ics?sig={signer.sign('roster', roster.id)}")

    return router
