"""Dispatch's people, teams and rosters as use cases: keep them, answer who is on duty, list handovers
and explain decisions. A part of `DispatchHandlers` (which routes with what these load)."""

from __future__ import annotations

from datetime import datetime

from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import NotFound

from dispatch.adapters import store
from dispatch.adapters.people_mapping import (
    engineer_from_document,
    engineer_from_proto,
    engineer_to_proto,
    team_from_proto,
    team_message_from_document,
    team_to_proto,
)
from dispatch.adapters.proto_values import document
from dispatch.adapters.roster_mapping import roster_from_proto, roster_message_from_document
from dispatch.adapters.tables import engineers as engineers_table
from dispatch.adapters.tables import rosters as rosters_table
from dispatch.adapters.tables import teams as teams_table
from dispatch.domain.people import Engineer
from dispatch.domain.rosters import DutyAnswer, Handover, Roster, handovers, who_is_on_duty


class PeopleAndRosters:
    _db: Database

    async def put_engineer(self, message: pb.Engineer) -> Engineer:
        engineer = engineer_from_proto(message)
        async with self._db.unit_of_work() as uow:
            doc = document(engineer_to_proto(engineer))
            await store.put_engineer(uow, engineer.id, engineer.subject, doc, uow.clock.now())
        return engineer

    async def engineer(self, engineer_id: str) -> Engineer:
        async with self._db.unit_of_work() as uow:
            doc = await store.get_document(uow, engineers_table, engineer_id)
        if doc is None:
            raise NotFound(f"no engineer {engineer_id!r}", engineer_id=engineer_id)
        return engineer_from_document(doc)

    async def engineers(self, region: str = "") -> list[Engineer]:
        async with self._db.unit_of_work() as uow:
            return await self._engineers(uow, region)

    async def _engineers(self, uow: UnitOfWork, region: str) -> list[Engineer]:
        found = [engineer_from_document(d) for d in await store.all_documents(uow, engineers_table)]
        return [e for e in found if not region or region in e.regions]

    async def put_team(self, message: pb.Team) -> pb.Team:
        team = team_from_proto(message)
        stored = team_to_proto(team)
        async with self._db.unit_of_work() as uow:
            await store.put_team(uow, team.id, team.region, document(stored), uow.clock.now())
        return stored

    async def teams(self, region: str = "") -> list[pb.Team]:
        async with self._db.unit_of_work() as uow:
            docs = await store.all_documents(uow, teams_table, region)
        return [team_message_from_document(d) for d in docs]

    async def put_roster(self, message: pb.Roster) -> pb.Roster:
        roster = roster_from_proto(message)  # validates every field before anything is stored
        async with self._db.unit_of_work() as uow:
            await store.put_roster(uow, roster.id, roster.region, roster.team, document(message),
                                   uow.clock.now())
        return message

    async def roster_message(self, roster_id: str) -> pb.Roster:
        async with self._db.unit_of_work() as uow:
            doc = await store.get_document(uow, rosters_table, roster_id)
        if doc is None:
            raise NotFound(f"no roster {roster_id!r}", roster_id=roster_id)
        return roster_message_from_document(doc)

    async def roster(self, roster_id: str) -> Roster:
        return roster_from_proto(await self.roster_message(roster_id))

    async def roster_messages(self, region: str = "") -> list[pb.Roster]:
        async with self._db.unit_of_work() as uow:
            docs = await store.all_documents(uow, rosters_table, region)
        return [roster_message_from_document(d) for d in docs]

    async def _rosters(self, uow: UnitOfWork, region: str) -> list[Roster]:
        docs = await store.all_documents(uow, rosters_table, region)
        return [roster_from_proto(roster_message_from_document(d)) for d in docs]

    async def who_is_on_duty(self, region: str, team: str, at: datetime | None) -> tuple[datetime, list[DutyAnswer]]:
        async with self._db.unit_of_work() as uow:
            moment = at or uow.clock.now()
            return moment, who_is_on_duty(await self._rosters(uow, region), region, team, moment)

    async def handovers(self, roster_id: str, start: datetime, end: datetime) -> list[tuple[Handover, list[str]]]:
        """The roster's handovers in [start, end), each with the outgoing engineer's open cases."""
        roster = await self.roster(roster_id)
        found = handovers(roster, start, end)
        async with self._db.unit_of_work() as uow:
            open_cases = await store.open_cases_of(uow, sorted({h.outgoing for h in found}))
        return [(h, open_cases.get(h.outgoing, [])) for h in found]

    async def explain(self, case_id: str) -> list[store.StoredDecision]:
        async with self._db.unit_of_work() as uow:
            return await store.decisions_of(uow, case_id)

