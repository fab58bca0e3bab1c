"""Whom "the supervisor" means (dispatch's engineers and rosters), and a role dispatch cannot answer for now:
planned again later, never for nobody, never twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.handlers import ServiceBench, sqlite_service
from notify.adapters.notices import notice_from_event
from notify.bootstrap import definition
from notify.default_templates import default_template
from notify.directory import DirectoryUnavailable
from notify.domain.notice import Notice, NotifyAction
from notify.domain.recipients import Recipient, StaffMember, on_duty_of_tier, supervisors_on_duty
from notify.domain.rules import RuleBook, Target
from notify.domain.vocabulary import Channel, Role
from notify.handlers import NotifyHandlers, PlanningSettings
from notify.templating import TemplateKey, render
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


def test_other_roles_are_whoever_of_their_tier_is_on_duty() -> None:
    desk = StaffMember("desk-1", "Desk", "desk_agent", ("east",))
    off = StaffMember("desk-2", "Desk Two", "desk_agent", ("east",))
    assert on_duty_of_tier([desk, off, ENGINEER], {"desk-1", "eng-1"}, "desk_agent") == [desk]
    assert on_duty_of_tier([desk], set(), "desk_agent") == []


def test_a_case_nobody_can_take_alerts_the_supervisor() -> None:
    alert = dispatch_events.DispatchSupervisorAlert(case_id="case-1", case_number="EA-1", region="east",
                                                    company_id="company-a", reason="no engineer covers category G")
    found = notice_from_event(CloudEvent("aftercare.dispatch.supervisor_alert.v1", "/services/dispatch", "case-1",
                                         "east", payload_to_dict(alert)))
    assert RuleBook().targets(found).by_role == (Target(Role.SUPERVISOR, Channel.SMS),
                                                 Target(Role.SUPERVISOR, Channel.EMAIL))
    text = render(default_template(TemplateKey("dispatch.supervisor_alert", Channel.SMS, "en")),
                  found.template_context()).text
    assert "EA-1" in text and "category G" in text


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
