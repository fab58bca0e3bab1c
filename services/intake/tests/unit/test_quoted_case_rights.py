"""A quoted case number adds a customer-visible note only when the sender is entitled to the case
(domain.sender_rights): a partner key not covering the case is refused, anyone else unverified is
kept as an agent-only note flagged "unverified sender"."""

from __future__ import annotations

import pytest
from aftercare_platform.errors import PermissionDenied
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel
from intake.parsing.csv_import import ImportKind

from .conftest import AGENT, NOW, Service
from .test_delivery import register

ACME_SCOPE = frozenset({"ACME"})


async def register_other(service: Service) -> None:
    await service.registry.create(AGENT, ImportKind.COMPANIES, {"company_id": "OTHER", "name": "Other Co"})
    await service.registry.create(AGENT, ImportKind.CONTACTS, {
        "contact_id": "K-9", "company_id": "OTHER", "name": "Han Meimei", "email": "han@other.example",
        "phone": "13900000009"})


async def acme_case(service: Service, reporter: dict[str, str] | None = None) -> str:
    """A case of ACME opened through the desk; returns its number once cases has opened it."""
    done = await service.pipeline.submit(IntakeRequest.create(
        channel=Channel.AGENT_PHONE, received_at=NOW, partner_id="agent-1", description="camera dark",
        reporter=reporter or {"phone": "13800138000"}, hints={"serial_number": "CAM-1"}))
    await service.deliverer.deliver_due()
    (opened, plan), = [v for k, v in service.cases.created.items() if k == done.receipt.receipt_id]
    assert plan.company_id == "ACME"
    return opened.case_number


def quoting(number: str, channel: Channel, **fields: object) -> IntakeRequest:
    return IntakeRequest.create(channel=channel, received_at=NOW, description=f"{number}: still broken, see log",
                                quoted_case_number=number, **fields)


async def delivered_notes(service: Service) -> tuple[list[str], list[str]]:
    await service.deliverer.deliver_due()
    return [text for _, text in service.cases.notes], [text for _, text in service.cases.internal_notes]


async def test_a_partner_key_may_not_quote_a_case_of_a_company_it_does_not_cover(service: Service) -> None:
    await register(service)
    await register_other(service)
    number = await acme_case(service)
    intruder = quoting(number, Channel.PARTNER, partner_id="other-nms", partner_request_id="X-1",
                       reporter={"phone": "13900000009"})
    with pytest.raises(PermissionDenied, match="may not add to case"):
        await service.pipeline.submit(intruder, company_scope=frozenset({"OTHER"}))
    unknown = quoting("EA-20260101-000777", Channel.PARTNER, partner_id="other-nms", partner_request_id="X-2",
                      reporter={"phone": "13900000009"})
    with pytest.raises(PermissionDenied, match="may not add to case"):  # existence is not revealed
        await service.pipeline.submit(unknown, company_scope=frozenset({"OTHER"}))
    assert await delivered_notes(service) == ([], [])


async def test_a_partner_key_covering_the_company_adds_a_visible_note(service: Service) -> None:
    await register(service)
    number = await acme_case(service)
    own = quoting(number, Channel.PARTNER, partner_id="nms", partner_request_id="N-1")
    done = await service.pipeline.submit(own, company_scope=ACME_SCOPE)
    assert done.receipt.outcome == "note_on_quoted_case"
    visible, internal = await delivered_notes(service)
    assert len(visible) == 1 and internal == []


@pytest.mark.parametrize("channel, sender", [
    (Channel.WEB_FORM, {"name": "anonymous", "email": "someone@elsewhere.example"}),
    (Channel.EMAIL, {"email": "han@other.example"}),  # a known contact, of another company
    (Channel.SMS, {"phone": "13900000009"}),
])
async def test_another_companys_sender_quoting_a_case_leaves_an_agent_only_unverified_note(
        service: Service, channel: Channel, sender: dict[str, str]) -> None:
    await register(service)
    await register_other(service)
    number = await acme_case(service)
    extra = {"channel_message_id": "m-1"} if channel is not Channel.WEB_FORM else {}
    done = await service.pipeline.submit(quoting(number, channel, reporter=sender, **extra))
    assert done.receipt.outcome == "note_on_quoted_case"
    visible, internal = await delivered_notes(service)
    assert visible == []
    assert len(internal) == 1 and internal[0].startswith("[Unverified sender")
    assert "still broken" in internal[0]  # nothing is lost


async def test_a_contact_of_the_cases_company_or_its_reporting_address_adds_a_visible_note(service: Service) -> None:
    await register(service)
    number = await acme_case(service, reporter={"email": "reporter@acme-partner.example"})
    await service.pipeline.submit(quoting(number, Channel.SMS, reporter={"phone": "13800138000"},
                                          channel_message_id="sms-1"))  # contact K-1 of ACME
    await service.pipeline.submit(quoting(number, Channel.EMAIL, reporter={"email": "Reporter@acme-partner.example"},
                                          channel_message_id="mail-1"))  # the address that reported it
    visible, internal = await delivered_notes(service)
    assert len(visible) == 2 and internal == []


async def test_a_partner_follows_up_the_case_it_reported_for_a_company_it_does_not_know(service: Service) -> None:
    await register(service)
    first = await service.pipeline.submit(IntakeRequest.create(
        channel=Channel.PARTNER, received_at=NOW, partner_id="nms", partner_request_id="U-1",
        description="unregistered device down", reporter={"phone": "13700000001"}), company_scope=ACME_SCOPE)
    assert first.receipt.identification["company_id"] is None
    await service.deliverer.deliver_due()
    (opened, _), = service.cases.created.values()
    follow = quoting(opened.case_number, Channel.PARTNER, partner_id="nms", partner_request_id="U-2")
    assert (await service.pipeline.submit(follow, company_scope=ACME_SCOPE)).receipt.outcome == "note_on_quoted_case"
    other_key = quoting(opened.case_number, Channel.PARTNER, partner_id="itsm", partner_request_id="U-3")
    with pytest.raises(PermissionDenied):
        await service.pipeline.submit(other_key, company_scope=ACME_SCOPE)
    visible, _ = await delivered_notes(service)
    assert len(visible) == 1
