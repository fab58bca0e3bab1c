"""sla-timer's event handlers and its embedded firing, on the platform's handler-test tier (SQLite, the
service's migrations, a FakeClock): the clocks each case event leaves, and the SLA events in the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.handlers import ServiceBench, sqlite_service
from google.protobuf.timestamp_pb2 import Timestamp
from sla_timer.adapters.deadline_signal import DeadlineSignal
from sla_timer.adapters.policy_events import POLICY_APPLIED
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.adapters.tables import clocks, contract_policies, fired
from sla_timer.bootstrap import definition
from sla_timer.domain.case_clocks import CasePriorityUnknown
from sla_timer.domain.policy_yaml import load_policy_set
from sla_timer.entrypoints.consumers import subscriptions
from sla_timer.firing import DueClockFirer
from sla_timer.handlers import SlaHandlers
from sqlalchemy import select

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CASE_ID = "case-1"
# first response in 10 minutes, warned at 5 and 8; nothing else promised at P1
MINUTES_POLICY = """
policies:
  minutes:
    description: a first response in ten minutes
    targets:
      P1:
        FIRST_RESPONSE:
          target: 10m
          calendar: always
          warnings:
            - {after: 5m, actions: [{type: notify, roles: [assignee], channels: [sms]}]}
            - {after: 8m, actions: [{type: notify, roles: [supervisor], channels: [email]}]}
          breach_actions:
            - {type: escalate, tiers: 1}
default_policy: minutes
calendars:
  always: {time_zone: UTC, weekly: {mon: &day ["00:00-24:00"], tue: *day, wed: *day, thu: *day, fri: *day,
                                    sat: *day, sun: *day}}
"""

@dataclass
class Sla:
    bench: ServiceBench
    handlers: SlaHandlers
    signal: DeadlineSignal
    policies: PolicyStore

    async def deliver(self, event: CloudEvent) -> bool:
        return await self.bench.deliver(subscriptions(self.handlers)[0], event)

    async def clocks(self) -> list[tuple[str, str]]:
        async with self.bench.database.engine.connect() as connection:
            rows = await connection.execute(select(clocks.c.kind, clocks.c.status).order_by(clocks.c.kind))
            return [(row.kind, row.status) for row in rows]

    async def sla_events(self) -> list[str]:
        """The clock events since the last call (policy_applied is tested on its own: `applied`)."""
        types = [e.type.removeprefix("aftercare.sla.").removesuffix(".v1") for e in await self.bench.new_events()]
        return [t for t in types if t != "policy_applied"]

    async def applied(self) -> list[tuple[str, bool, int]]:
        """(policy, customer_reply_resumes, reopen_window_days) of each policy_applied since the last call."""
        found = []
        for event in await self.bench.new_events():
            if event.type == POLICY_APPLIED:
                message = event.data_as(sla_events.SlaPolicyApplied)
                assert message.case_id == CASE_ID and message.case_number == "EA-20261123-000001"
                found.append((message.policy, message.customer_reply_resumes, message.reopen_window_days))
        return found

    async def replace_policies(self, *texts: str) -> None:
        async with self.bench.database.unit_of_work() as uow:
            await self.policies.lock(uow.connection)
            await self.policies.replace_all(uow.connection, load_policy_set(*texts), uow.clock.now(), "test")


@pytest.fixture
async def sla(tmp_path: Path) -> AsyncIterator[Sla]:
    async with sqlite_service(definition, tmp_path, clock=FakeClock(NOW)) as bench:
        policies = PolicyStore()
        await policies.seed_defaults(bench.database)
        async with bench.database.unit_of_work() as uow:
            await policies.lock(uow.connection)
            await policies.replace_all(uow.connection, load_policy_set(MINUTES_POLICY), uow.clock.now(), "test")
        signal = DeadlineSignal(bench.database)
        yield Sla(bench, SlaHandlers(policies, signal, look_ahead=timedelta(minutes=6)), signal, policies)


def _stamp(instant: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(instant)
    return stamp


def case_event(verb: str, at: datetime, **facts: Any) -> CloudEvent:
    message_class = getattr(case_events, "Case" + "".join(p.capitalize() for p in verb.split("_")))
    message = message_class(case_id=CASE_ID, case_number="EA-20261123-000001", region="east", company_id="company-a",
                            contract_id="contract-1", priority=cases_pb2.PRIORITY_P1, occurred_at=_stamp(at), **facts)
    return CloudEvent(type=f"aftercare.case.{verb}.v1", source="/services/cases", subject=CASE_ID, region="east",
                      data=payload_to_dict(message), time=at)


async def test_a_created_case_starts_its_clocks_and_an_acknowledgement_meets_the_first_response(sla: Sla) -> None:
    created = case_event("created", NOW)
    assert await sla.deliver(created)
    assert not await sla.deliver(created), "a redelivery is absorbed by the inbox"
    assert ("FIRST_RESPONSE", "RUNNING") in await sla.clocks()
    assert await sla.sla_events() == []
    sla.bench.clock.advance(timedelta(minutes=3))
    await sla.deliver(case_event("acknowledged", NOW + timedelta(minutes=3), first_response=True))
    assert ("FIRST_RESPONSE", "MET") in await sla.clocks()
    assert await sla.sla_events() == ["met"]


async def test_an_acknowledgement_before_its_creation_is_applied_when_the_case_comes(sla: Sla) -> None:
    await sla.deliver(case_event("acknowledged", NOW + timedelta(minutes=1), first_response=True))
    assert [status for _, status in await sla.clocks()] == ["NOT_STARTED"]
    await sla.deliver(case_event("created", NOW))
    assert await sla.sla_events() == ["met"]


async def test_a_visit_for_an_unknown_case_without_a_priority_cannot_start_a_clock(sla: Sla) -> None:
    message = dispatch_events.VisitRequested(case_id=CASE_ID, case_number="EA-20261123-000001", region="east",
                                             company_id="company-a", visit_id="visit-1")
    visit = sla.bench.event("aftercare.visit.requested.v1", subject=CASE_ID, data=payload_to_dict(message),
                            source="/services/dispatch")
    with pytest.raises(CasePriorityUnknown):
        await sla.deliver(visit)
    assert await sla.clocks() == []


async def test_a_contract_event_remembers_the_policy_it_selects(sla: Sla) -> None:
    data = {"contract": {"contractId": "contract-1", "slaPolicy": "gold"}, "occurredAt": "2026-11-23T01:00:00Z"}
    await sla.deliver(sla.bench.event("aftercare.contract.created.v1", subject="contract-1", data=data))
    async with sla.bench.database.engine.connect() as connection:
        known = select(contract_policies.c.contract_id, contract_policies.c.policy_name)
        rows = (await connection.execute(known)).all()
    assert [tuple(row) for row in rows] == [("contract-1", "gold")]


async def test_a_near_deadline_is_announced_to_the_firing_loop(sla: Sla) -> None:
    await sla.deliver(case_event("created", NOW))
    # the first warning (5 minutes) is within the 6-minute look-ahead
    assert sla.signal.take_hint() == NOW + timedelta(minutes=5)


async def test_embedded_firing_writes_warnings_then_the_breach_at_their_instants(sla: Sla) -> None:
    await sla.deliver(case_event("created", NOW))
    await sla.bench.new_events()
    firer = DueClockFirer(sla.bench.database, sla.policies, sla.bench.clock)
    clock = sla.bench.clock
    assert await firer.fire_batch(clock.now(), 100) == 0, "nothing is due yet"
    clock.advance(timedelta(minutes=5))
    assert await firer.fire_batch(clock.now(), 100) == 1
    assert await sla.sla_events() == ["warning"]
    clock.advance(timedelta(minutes=5))
    await firer.fire_batch(clock.now(), 100)
    assert await sla.sla_events() == ["warning", "breached"]
    async with sla.bench.database.engine.connect() as connection:
        log = (await connection.execute(select(fired.c.item, fired.c.fired_at).order_by(fired.c.fired_at))).all()
    assert [row.fired_at for row in log] == [NOW + timedelta(minutes=5)] + [NOW + timedelta(minutes=10)] * 2


async def test_the_policy_and_its_reply_settings_are_announced_once_when_clocks_are_first_planned(sla: Sla) -> None:
    created = case_event("created", NOW)
    await sla.deliver(created)
    assert await sla.applied() == [("minutes", True, 14)], "the policy's defaults: replies resume, 14 days"
    await sla.deliver(created)
    await sla.deliver(case_event("acknowledged", NOW, first_response=True))
    await sla.deliver(case_event("note_added", NOW, text="thanks"))
    assert await sla.applied() == [], "nothing changed: nothing more to say"


async def test_a_changed_reply_setting_or_another_policy_is_announced_at_the_cases_next_event(sla: Sla) -> None:
    await sla.deliver(case_event("created", NOW))
    await sla.applied()
    quiet = MINUTES_POLICY.replace("    description: a first response in ten minutes\n",
                                   "    customer_reply_resumes: false\n    reopen_window_days: 3\n")
    await sla.replace_policies(quiet)
    await sla.deliver(case_event("note_added", NOW, text="any news?"))
    assert await sla.applied() == [("minutes", False, 3)]
    await sla.replace_policies(quiet, "policies: {gold: {reopen_window_days: 3, targets: "
                                      "{P1: {FIRST_RESPONSE: {target: 1h, calendar: always}}}}}")
    data = {"contract": {"contractId": "contract-1", "slaPolicy": "gold"}, "occurredAt": "2026-11-23T01:00:00Z"}
    await sla.deliver(sla.bench.event("aftercare.contract.updated.v1", subject="contract-1", data=data))
    await sla.deliver(case_event("note_added", NOW, text="still there?"))
    assert await sla.applied() == [("gold", True, 3)]
