"""Whom "the supervisor" means (dispatch's engineers and rosters), and a role dispatch cannot answer for now:
planned again later, never for nobody, never twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.handlers import ServiceBench, sqlite_service
from notify.bootstrap import definition
from notify.directory import DirectoryUnavailable
from notify.domain.notice import Notice, NotifyAction
from notify.domain.recipients import Recipient, StaffMember, supervisors_on_duty
from notify.domain.vocabulary import Channel, Role
from notify.handlers import NotifyHandlers, PlanningSettings
from sqlalchemy import text

from .conftest import T0, notice, person

SUP_1 = StaffMember("sup-1", "Zhao", "supervisor", ("east",))
SUP_2 = StaffMember("sup-2", "Qian", "supervisor", ("east", "west"))
ENGINEER = StaffMember("eng-1", "Wang", "field_engineer", ("east",))


def test_the_supervisor_is_the_one_a_roster_has_on_duty() -> None:
    members = [SUP_2, SUP_1, ENGINEER]
    assert supervisors_on_duty(members, {"sup-2", "eng-1"}, "east") == [SUP_2]
    # an engineer on duty is not a supervisor; another region's supervisor is not this region's
    assert supervisors_on_duty(members, {"sup-2"}, "west") == [SUP_2]
    assert supervisors_on_duty([SUP_1], {"sup-1"}, "west") == []


def test_no_supervisor_on_duty_means_every_supervisor_of_the_region_not_nobody() -> None:
    assert supervisors_on_duty([SUP_2, SUP_1, ENGINEER], set(), "east") == [SUP_1, SUP_2]
    inactive = replace(SUP_1, active=False)
    assert supervisors_on_duty([inactive, SUP_2], {"sup-1"}, "east") == [SUP_2]


class Dispatch:
    """A directory that is away until told otherwise."""

    def __init__(self) -> None:
        self.away = True
        self.asked = 0

    async def resolve(self, role: Role, notice: Notice) -> list[Recipient]:
        self.asked += 1
        if self.away:
            raise DirectoryUnavailable("dispatch: UNAVAILABLE")
        return [person("staff:sup-1")] if role is Role.SUPERVISOR else []


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[ServiceBench]:
    async with sqlite_service(definition, tmp_path, clock=FakeClock(T0)) as bench:
        yield bench


async def count(bench: ServiceBench, table: str) -> int:
    async with bench.database.engine.connect() as connection:
        return int((await connection.execute(text(f"SELECT count(*) FROM notify.{table}"))).scalar_one())


async def test_a_role_dispatch_cannot_answer_for_waits_and_is_planned_once_when_it_can(bench: ServiceBench) -> None:
    dispatch = Dispatch()
    handlers = NotifyHandlers(dispatch, PlanningSettings("https://console.example"))
    breach = notice("sla.breached", priority="P1",
                    actions=(NotifyAction((Role.SUPERVISOR,), (Channel.SMS, Channel.EMAIL)),))
    async with bench.database.unit_of_work() as uow:
        await handlers.on_notice(breach, uow)
    assert await count(bench, "deliveries") == 0
    assert await count(bench, "role_waits") == 1

    # still away when asked again: it waits longer, nothing is planned, nothing is dropped
    bench.clock.advance(1)
    async with bench.database.unit_of_work() as uow:
        assert (await handlers.plan_waiting_roles(uow))[0] == 0
    assert await count(bench, "role_waits") == 1
    asked = dispatch.asked
    async with bench.database.unit_of_work() as uow:
        assert (await handlers.plan_waiting_roles(uow))[0] == 0  # not due yet: not even asked
    assert dispatch.asked == asked

    dispatch.away = False
    bench.clock.advance(2)
    async with bench.database.unit_of_work() as uow:
        assert await handlers.plan_waiting_roles(uow) == (2, 0)
    assert await count(bench, "role_waits") == 0
    assert await count(bench, "deliveries") == 2
    bench.clock.advance(120)
    async with bench.database.unit_of_work() as uow:
        assert (await handlers.plan_waiting_roles(uow))[0] == 0
        await handlers.on_notice(breach, uow)  # a replay of the same event: the same keys
    assert await count(bench, "deliveries") == 2
