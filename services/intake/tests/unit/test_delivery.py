"""The pipeline keeps every submission durably and the deliverer hands it to cases: idempotent on the
receipt id, backing off while cases is down, folding alarms into one case, never losing a report."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.errors import PermissionDenied
from intake.adapters import submissions
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel
from intake.parsing.csv_import import ImportKind

from .conftest import AGENT, NOW, Service, events

PARTNER = Principal("nms", Role.PARTNER, companies=frozenset({"ACME"}))


async def register(service: Service) -> None:
    values = {
        ImportKind.COMPANIES: {"company_id": "ACME", "name": "ACME Ltd", "region": "east"},
        ImportKind.SITES: {"site_id": "S-1", "company_id": "ACME", "name": "Gate 3", "address": "1 Road",
                           "region": "east"},
        ImportKind.CONTACTS: {"contact_id": "K-1", "company_id": "ACME", "name": "Li Lei", "phone": "13800138000",
                              "site_id": "S-1"},
        ImportKind.CONTRACTS: {"contract_id": "C-1", "company_id": "ACME", "sla_policy": "default",
                               "start_on": "2025-01-01", "acceptance_on": "2025-06-01"},
        ImportKind.ASSETS: {"serial_number": "CAM-1", "manufacturer": "Hikvision", "site_id": "S-1",
                            "contract_id": "C-1"},
    }
    for kind, fields in values.items():
        await service.registry.create(AGENT, kind, fields)


def partner_report(request_id: str, description: str = "fan failure", **fields: object) -> IntakeRequest:
    return IntakeRequest.create(channel=Channel.PARTNER, received_at=NOW, partner_id="nms",
                                partner_request_id=request_id, description=description,
                                hints={"serial_number": "CAM-1"}, **fields)


def alarm(n: int) -> IntakeRequest:
    return IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, partner_id="nms", alarm_code="VIDEO-LOSS",
                                channel_message_id=f"alarm-{n}", description=f"video loss {n}",
                                hints={"serial_number": "CAM-1"})


async def test_a_report_is_kept_while_cases_is_down_and_delivered_once_it_is_back(service: Service) -> None:
    await register(service)
    service.cases.up = False
    done = await service.pipeline.submit(partner_report("NMS-1"))
    assert done.receipt.state == "pending" and done.receipt.case_number is None
    assert done.receipt.identification["company_id"] == "ACME"
    assert await service.deliverer.deliver_due() == 1
    async with service.database.unit_of_work() as uow:
        kept = await submissions.get(uow.connection, done.receipt.receipt_id)
    assert kept is not None and kept.attempts == 1 and "UNAVAILABLE" in (kept.last_error or "")
    assert kept.next_attempt_at > NOW
    assert await service.deliverer.deliver_due() == 0  # not due yet: backing off
    service.cases.up = True
    service.clock.advance(timedelta(seconds=2))
    assert await service.deliverer.deliver_due() == 1
    opened, plan = service.cases.created[done.receipt.receipt_id]  # the receipt id is CreateCase's request id
    assert plan.company_id == "ACME" and plan.caller.phone == "+8613800138000"
    async with service.database.unit_of_work() as uow:
        delivered = await submissions.get(uow.connection, done.receipt.receipt_id)
    assert delivered is not None and delivered.state == "submitted" and delivered.case_number == opened.case_number


async def test_the_same_partner_request_id_is_one_submission(service: Service) -> None:
    await register(service)
    first = await service.pipeline.submit(partner_report("NMS-2"))
    again = await service.pipeline.submit(partner_report("NMS-2", "sent again"))
    assert again.replayed and again.receipt.receipt_id == first.receipt.receipt_id
    other = await service.pipeline.submit(IntakeRequest.create(
        channel=Channel.PARTNER, received_at=NOW, partner_id="itsm", partner_request_id="NMS-2",
        description="another partner's own id", reporter={"phone": "13800138000"}))
    assert not other.replayed  # request ids are per partner


async def test_twenty_alarms_before_any_delivery_make_one_case_and_nineteen_notes(service: Service) -> None:
    await register(service)
    outcomes = [(await service.pipeline.submit(alarm(n))).receipt.outcome for n in range(20)]
    assert outcomes == ["new_case"] + ["alarm_folded"] * 19
    assert await service.deliverer.deliver_due() == 1  # the notes wait for their case to exist
    assert await service.deliverer.deliver_due() == 16  # the deliverer's concurrency
    assert await service.deliverer.deliver_due() == 3
    assert len(service.cases.created) == 1
    (opened, _), = service.cases.created.values()
    assert [number for number, _ in service.cases.notes] == [opened.case_number] * 19
    assert (await service.pipeline.submit(alarm(99))).receipt.outcome == "alarm_folded"  # still open


async def test_a_note_for_a_case_that_does_not_exist_opens_a_case_saying_so(service: Service) -> None:
    await register(service)
    quoted = IntakeRequest.create(channel=Channel.SMS, received_at=NOW, description="EA-20250101-000009 again",
                                  reporter={"phone": "13800138000"}, quoted_case_number="EA-20250101-000009")
    done = await service.pipeline.submit(quoted)
    assert done.receipt.outcome == "note_on_quoted_case"
    await service.deliverer.deliver_due()
    (_, plan), = service.cases.created.values()
    assert plan.description.startswith("Case EA-20250101-000009 could not take this note")
    assert "SMS from" in plan.description


async def test_a_report_cases_refuses_for_good_fails_and_is_announced(service: Service) -> None:
    await register(service)
    service.cases.refuse = True
    done = await service.pipeline.submit(partner_report("NMS-3"))
    await service.deliverer.deliver_due()
    async with service.database.unit_of_work() as uow:
        failed = await submissions.get(uow.connection, done.receipt.receipt_id)
    assert failed is not None and failed.state == "failed"
    assert "aftercare.intake.rejected.v1" in await events(service)


async def test_a_lease_keeps_a_second_deliverer_off_until_it_expires(service: Service) -> None:
    await register(service)
    await service.pipeline.submit(partner_report("NMS-4"))
    async with service.database.unit_of_work() as uow:
        first = await submissions.claim_due(uow.connection, now=NOW, lease_until=NOW + timedelta(seconds=30), limit=5)
    async with service.database.unit_of_work() as uow:
        second = await submissions.claim_due(uow.connection, now=NOW, lease_until=NOW + timedelta(seconds=30), limit=5)
    assert len(first) == 1 and second == []
    service.clock.advance(timedelta(seconds=31))  # the first deliverer died holding it
    assert await service.deliverer.deliver_due() == 1
    assert len(service.cases.created) == 1


async def test_a_partner_key_may_not_report_for_another_company(service: Service) -> None:
    await register(service)
    await service.registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "OTHER", "name": "Other"})
    report = IntakeRequest.create(channel=Channel.PARTNER, received_at=NOW, partner_id="nms",
                                  partner_request_id="NMS-5", description="x", hints={"company": "OTHER"},
                                  reporter={"phone": "13900000000"})
    with pytest.raises(PermissionDenied):
        await service.pipeline.submit(report, company_scope=PARTNER.companies)
    ok = await service.pipeline.submit(partner_report("NMS-6"), company_scope=PARTNER.companies)
    assert ok.receipt.identification["company_id"] == "ACME"


def waiting_pipeline(service: Service, wait: float = 5):  # type: ignore[no-untyped-def]
    """The pipeline as a synchronous channel has it: it waits for the first delivery to answer with the number."""
    from intake.adapters.attachment_storage import InMemoryAttachmentStorage
    from intake.domain.duplicates import DuplicateRule
    from intake.handlers.pipeline import IntakePipeline

    return IntakePipeline(service.database, InMemoryAttachmentStorage(), service.deliverer, region="east",
                          duplicate_rule=DuplicateRule(), submit_wait_seconds=wait)


async def test_a_waiting_channel_gets_its_case_number_from_a_delivery_leased_when_the_report_was_written(
        service: Service) -> None:
    await register(service)
    done = await waiting_pipeline(service).submit(partner_report("NMS-10"))
    assert done.receipt.state == "submitted" and done.receipt.case_number
    (opened, _), = service.cases.created.values()
    assert opened.case_number == done.receipt.case_number
    assert await service.deliverer.deliver_due() == 0  # delivered once: nothing left for the pump


async def test_a_leased_delivery_that_finds_cases_down_leaves_the_report_to_the_pump(service: Service) -> None:
    await register(service)
    service.cases.up = False
    done = await waiting_pipeline(service).submit(partner_report("NMS-11"))
    assert done.receipt.state == "pending" and done.receipt.case_number is None
    async with service.database.unit_of_work() as uow:
        kept = await submissions.get(uow.connection, done.receipt.receipt_id)
    assert kept is not None and kept.attempts == 1 and "UNAVAILABLE" in (kept.last_error or "")
    service.cases.up = True
    service.clock.advance(timedelta(seconds=2))
    assert await service.deliverer.deliver_due() == 1  # the lease was given back with the retry
    assert len(service.cases.created) == 1


async def test_alarms_waiting_for_their_case_are_not_leased_and_fold_into_one_case(service: Service) -> None:
    await register(service)
    service.cases.up = False  # the first alarm's case cannot be opened yet: the rest wait for it
    pipeline = waiting_pipeline(service, wait=0.05)  # no pump runs here: a folded alarm waits out its wait
    outcomes = [(await pipeline.submit(alarm(n))).receipt.outcome for n in range(5)]
    assert outcomes == ["new_case"] + ["alarm_folded"] * 4
    service.cases.up = True
    service.clock.advance(timedelta(seconds=2))
    assert await service.deliverer.deliver_due() == 1
    assert await service.deliverer.deliver_due() == 4
    assert len(service.cases.created) == 1 and len(service.cases.notes) == 4
    folded = await pipeline.submit(alarm(99))  # its case is known now: leased and added at once
    assert folded.receipt.outcome == "alarm_folded" and len(service.cases.notes) == 5


async def until(service: Service, condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait (at most `within` seconds) for the fake cases to have been called into `condition`."""
    async def check() -> None:
        while not condition():
            service.cases.called.clear()
            await service.cases.called.wait()
    await asyncio.wait_for(check(), within)


async def test_the_running_pump_delivers_alarms_the_moment_their_case_opens_not_at_its_next_poll(
        service: Service) -> None:
    from intake.adapters.attachment_storage import InMemoryAttachmentStorage
    from intake.domain.duplicates import DuplicateRule
    from intake.handlers.delivery import CaseDeliverer
    from intake.handlers.pipeline import IntakePipeline

    await register(service)
    service.cases.gate = asyncio.Event()
    deliverer = CaseDeliverer(service.database, service.cases, service.clock, region="east", poll_seconds=60)
    pipeline = IntakePipeline(service.database, InMemoryAttachmentStorage(), deliverer, region="east",
                              duplicate_rule=DuplicateRule(), submit_wait_seconds=0)
    await deliverer.start()
    try:
        await pipeline.submit(alarm(0))
        await until(service, lambda: service.cases.calls == 1)  # its case is being opened, held at the gate
        outcomes = [(await pipeline.submit(alarm(n))).receipt.outcome for n in (1, 2, 3)]
        assert outcomes == ["alarm_folded"] * 3  # they wait for the first alarm's case
        service.cases.gate.set()
        await until(service, lambda: len(service.cases.notes) == 3)  # well before the pump's next poll, a minute away
    finally:
        await deliverer.stop()
