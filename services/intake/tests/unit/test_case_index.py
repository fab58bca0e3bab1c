"""What intake knows of a case merges its own delivery with the case events, in whatever order they come."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from intake.adapters import case_index
from intake.adapters.case_index import KnownCase

from .conftest import NOW, Service

FROM_EVENT = KnownCase(case_id="case-1", case_number="EA-20261121-000001", company_id="ACME", contract_id="C-1",
                       asset_key="hikvision:cam-1", description="fan failure", error_codes=("E1",), priority="P3",
                       status="new", opened_at=NOW, event_at=NOW)


async def known(service: Service) -> KnownCase:
    async with service.database.unit_of_work() as uow:
        found = await case_index.find_case(uow.connection, "case-1")
    assert found is not None
    return found


async def record(service: Service, case: KnownCase) -> None:
    async with service.database.unit_of_work() as uow:
        await case_index.record_case(uow.connection, case)


async def test_the_delivery_adds_the_partner_and_alarm_the_event_does_not_carry_whichever_comes_first(
        service: Service) -> None:
    await record(service, FROM_EVENT)
    await record(service, replace(FROM_EVENT, reported_by="nms", alarm_code="VIDEO-LOSS"))
    await record(service, FROM_EVENT)  # the event again, redelivered: it knows neither, and clears neither
    case = await known(service)
    assert (case.reported_by, case.alarm_code, case.status) == ("nms", "VIDEO-LOSS", "new")


async def test_a_newer_event_moves_the_status_and_an_older_one_never_moves_it_back(service: Service) -> None:
    await record(service, FROM_EVENT)
    later = NOW + timedelta(minutes=5)
    await record(service, replace(FROM_EVENT, status="in_progress", priority="P2", event_at=later))
    await record(service, replace(FROM_EVENT, status="new", priority="P4", event_at=NOW + timedelta(minutes=1)))
    case = await known(service)
    assert (case.status, case.priority, case.event_at) == ("in_progress", "P2", later)
    assert case.opened_at == NOW and case.description == "fan failure"  # what opened it stays as it was


async def event(service: Service, *, status: str, priority: str | None, minutes: int, case_id: str = "case-1") -> bool:
    async with service.database.unit_of_work() as uow:
        return await case_index.record_event(uow.connection, case_id, status=status, priority=priority,
                                             at=NOW + timedelta(minutes=minutes))


async def test_a_later_event_of_a_known_case_moves_its_status_in_one_statement_and_an_older_one_does_not(
        service: Service) -> None:
    await record(service, FROM_EVENT)
    assert await event(service, status="assigned", priority=None, minutes=3)  # names no priority: P3 stays
    assert (await known(service)).priority == "P3"
    assert await event(service, status="in_progress", priority="P2", minutes=5)
    assert not await event(service, status="new", priority="P4", minutes=4)  # older: changes nothing
    case = await known(service)
    assert (case.status, case.priority, case.event_at) == ("in_progress", "P2", NOW + timedelta(minutes=5))
    assert case.description == "fan failure" and case.opened_at == NOW


async def test_an_event_of_a_case_not_known_yet_changes_nothing_and_says_so(service: Service) -> None:
    assert not await event(service, status="assigned", priority="P2", minutes=1, case_id="case-unknown")
    async with service.database.unit_of_work() as uow:
        assert await case_index.find_case(uow.connection, "case-unknown") is None
