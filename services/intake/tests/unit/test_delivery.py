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


async def test_twenty_alarms_before_any_delivery_make_one_case_and_one_note_of_the_nineteen_repeats(
        service: Service) -> None:
    await register(service)
    outcomes = [(await service.pipeline.submit(alarm(n))).receipt.outcome for n in range(20)]
    assert outcomes == ["new_case"] + ["alarm_folded"] * 19
    assert await service.deliverer.deliver_due() == 1  # the notes wait for their case to exist
    assert await service.deliverer.deliver_due() == 19  # one batch: more than the deliverer's concurrency of 16
    assert await service.deliverer.deliver_due() == 0
    assert len(service.cases.created) == 1
    (opened, _), = service.cases.created.values()
    (number, text), = service.cases.notes
    assert number == opened.case_number
    repeats = [line for line in text.splitlines() if line.startswith("video loss")]
    assert sorted(repeats) == sorted(f"video loss {n}" for n in range(1, 20))  # every repeat, once
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
        first, _ = await submissions.claim_due(uow.connection, now=NOW, lease_until=NOW + timedelta(seconds=30),
                                               limit=5)
    async with service.database.unit_of_work() as uow:
        second, _ = await submissions.claim_due(uow.connection, now=NOW, lease_until=NOW + timedelta(seconds=30),
                                                limit=5)
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
    pipeline = waiting_pipeline(service, wait=0.05)  # no pump runs here
    outcomes = [(await pipeline.submit(alarm(n))).receipt.outcome for n in range(5)]
    assert outcomes == ["new_case"] + ["alarm_folded"] * 4
    service.cases.up = True
    service.clock.advance(timedelta(seconds=2))
    assert await service.deliverer.deliver_due() == 1
    assert await service.deliverer.deliver_due() == 4
    assert len(service.cases.created) == 1 and len(service.cases.notes) == 1
    (opened, _), = service.cases.created.values()
    folded = await pipeline.submit(alarm(99))  # its case is known now: answered with it at once, not leased
    assert folded.receipt.outcome == "alarm_folded" and folded.receipt.state == "pending"
    assert folded.receipt.case_number == opened.case_number and len(service.cases.notes) == 1
    assert await service.deliverer.deliver_due() == 1  # the pump adds it
    assert service.cases.notes[-1] == (opened.case_number, folded_note(service, 99))


def folded_note(service: Service, n: int) -> str:
    return f"Monitoring alarm VIDEO-LOSS repeated at {NOW.isoformat()}:\nvideo loss {n}"


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
        # well before the pump's next poll, a minute away
        await until(service, lambda: "".join(text for _, text in service.cases.notes).count("video loss") == 3)
    finally:
        await deliverer.stop()


async def opened_with_repeats(service: Service, repeats: range) -> str:
    """The first alarm's case opened, and `repeats` alarms waiting for the pump: the case's number."""
    await register(service)
    await service.pipeline.submit(alarm(0))
    assert await service.deliverer.deliver_due() == 1
    for n in repeats:
        assert (await service.pipeline.submit(alarm(n))).receipt.outcome == "alarm_folded"
    (opened, _), = service.cases.created.values()
    return opened.case_number


def repeats_noted(service: Service) -> list[str]:
    return sorted(line for _, text in service.cases.notes for line in text.splitlines() if line.startswith("video"))


async def test_a_batch_whose_answer_was_lost_is_sent_again_as_the_same_note_and_added_once(service: Service) -> None:
    number = await opened_with_repeats(service, range(1, 4))
    service.cases.lose_answers = 1
    assert await service.deliverer.deliver_due() == 3  # added, but the answer was lost: retried later
    assert (await service.pipeline.submit(alarm(4))).receipt.outcome == "alarm_folded"  # arrives meanwhile
    service.clock.advance(timedelta(seconds=2))
    assert await service.deliverer.deliver_due() == 4  # the same batch again, and a new one for the newcomer
    assert [n for n, _ in service.cases.notes] == [number, number]
    assert repeats_noted(service) == [f"video loss {n}" for n in range(1, 5)]  # each repeat once
    async with service.database.unit_of_work() as uow:
        for n in range(1, 5):
            receipt = await submissions.receipt_for_key(uow.connection, "alarm:nms", f"alarm-{n}")
            kept = await submissions.get(uow.connection, receipt or "")
            assert kept is not None and kept.state == "submitted" and kept.case_number == number


async def test_a_batch_left_by_a_crashed_deliverer_is_sent_as_it_was_formed_once_its_lease_expires(
        service: Service) -> None:
    await opened_with_repeats(service, range(1, 4))
    lost, _ = await service.deliverer._claim(16)  # the deliverer dies right after its claim committed
    assert len(lost) == 1 and not service.cases.notes
    await service.pipeline.submit(alarm(4))
    assert await service.deliverer.deliver_due() == 1  # only the newcomer is free: its own batch
    assert repeats_noted(service) == ["video loss 4"]
    service.clock.advance(timedelta(seconds=61))  # the lease expires
    assert await service.deliverer.deliver_due() == 3
    assert len(service.cases.notes) == 2 and repeats_noted(service) == [f"video loss {n}" for n in range(1, 5)]


async def test_repeats_for_a_case_that_is_gone_each_open_a_case_as_a_lone_one_would(service: Service) -> None:
    await opened_with_repeats(service, range(1, 3))
    service.cases.created.clear()  # the case no longer takes notes
    assert await service.deliverer.deliver_due() == 2
    assert not service.cases.notes and len(service.cases.created) == 2
    assert all(plan.description.startswith("Case EA-") for _, plan in service.cases.created.values())
    assert await service.deliverer.deliver_due() == 0


async def test_a_repeat_waits_its_fold_time_and_then_takes_the_repeats_that_came_meanwhile(service: Service) -> None:
    from intake.adapters.attachment_storage import InMemoryAttachmentStorage
    from intake.domain.duplicates import DuplicateRule
    from intake.handlers.pipeline import IntakePipeline

    pipeline = IntakePipeline(service.database, InMemoryAttachmentStorage(), service.deliverer, region="east",
                              duplicate_rule=DuplicateRule(), submit_wait_seconds=0, alarm_fold_seconds=5)
    await register(service)
    await pipeline.submit(alarm(0))
    assert await service.deliverer.deliver_due() == 1  # the first alarm opens its case at once
    first = await pipeline.submit(alarm(1))
    assert first.receipt.case_number  # answered at once with the case it goes onto
    service.clock.advance(timedelta(seconds=4))
    await pipeline.submit(alarm(2))
    assert await service.deliverer.deliver_due() == 0 and not service.cases.notes  # not due yet
    service.clock.advance(timedelta(seconds=1))
    assert await service.deliverer.deliver_due() == 2  # the first repeat is due, and the later one comes along
    assert len(service.cases.notes) == 1 and repeats_noted(service) == ["video loss 1", "video loss 2"]


async def test_an_alarm_reads_only_its_companys_designated_contact_however_many_it_has(service: Service) -> None:
    from intake.adapters.candidates import load_candidates

    await register(service)  # K-1: the company's contact with a phone
    for n in range(2, 40):  # more contacts, all after K-1 by id
        await service.registry.create(AGENT, ImportKind.CONTACTS, {
            "contact_id": f"K-{n}", "company_id": "ACME", "name": f"Staff {n}", "email": f"s{n}@acme.example"})
    async with service.database.unit_of_work() as uow:
        found = await load_candidates(uow.connection, alarm(1))
    assert found is not None
    assert [contact.contact_id for contact in found.company_contacts["ACME"]] == ["K-1"]
    done = await service.pipeline.submit(alarm(1))
    assert await service.deliverer.deliver_due() == 1
    (_, plan), = service.cases.created.values()
    assert done.receipt.outcome == "new_case" and plan.caller.phone == "+8613800138000"  # K-1 answers


async def test_the_pump_claims_again_at_once_when_a_batch_took_a_full_claim_in_one_slot(service: Service) -> None:
    from intake.handlers.delivery import CaseDeliverer

    await register(service)
    await service.registry.create(AGENT, ImportKind.ASSETS, {"serial_number": "CAM-2", "manufacturer": "Hikvision",
                                                             "site_id": "S-1", "contract_id": "C-1"})

    def on_cam2(n: int) -> IntakeRequest:
        return IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, partner_id="nms", alarm_code="VIDEO-LOSS",
                                    channel_message_id=f"cam2-{n}", description=f"video loss {n}",
                                    hints={"serial_number": "CAM-2"})

    for report in (alarm(0), on_cam2(10)):
        await service.pipeline.submit(report)
    assert await service.deliverer.deliver_due() == 2  # both cases open
    for report in (alarm(1), alarm(2)):
        await service.pipeline.submit(report)
    service.clock.advance(timedelta(seconds=1))  # CAM-2's repeats are due after CAM-1's
    for report in (on_cam2(11), on_cam2(12)):
        await service.pipeline.submit(report)
    pump = CaseDeliverer(service.database, service.cases, service.clock, region="east", concurrency=2,
                         poll_seconds=60)
    await pump.start()
    try:  # its first claim (2 rows) is CAM-1's batch in one slot: CAM-2's must not wait for the poll, a minute away
        await until(service, lambda: repeats_noted(service) == [f"video loss {n}" for n in (1, 11, 12, 2)])
    finally:
        await pump.stop()
