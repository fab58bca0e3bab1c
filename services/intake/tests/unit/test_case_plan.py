"""What intake asks cases for: the new case's fields, a note's text, the caller to answer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aftercare_platform.errors import InvalidArgument
from intake.domain.case_plan import CasePlan, caller_for, plan_case
from intake.domain.identification import Identification
from intake.domain.intake_request import AttachmentRef, IntakeRequest
from intake.domain.priority import suggest_priority
from intake.domain.registry import Asset, Company, Contact, Contract, Site
from intake.domain.routing import Outcome, Route
from intake.domain.vocabulary import Channel, StatedSeverity
from intake.domain.warranty import entitlement

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
ACME = Company("ACME", "ACME Ltd", "east")
CONTACT = Contact("K-1", "ACME", "Li Lei", "+8613800138000", "li@acme.cn")
CONTRACT = Contract("C-1", "ACME", "default", date(2025, 1, 1), date(2025, 6, 1))
CAMERA = Asset("CAM-1", "Hikvision", "DS-2CD", "S-1", "C-1")
GATE = Site("S-1", "ACME", "Gate 3", "1 Harbour Road", "east")
FOUND = Identification(ACME, CONTACT, GATE, CAMERA, CONTRACT, "east", CAMERA.key)
NOBODY = Identification(None, None, None, None, None, "east", None)
SHOT = AttachmentRef(filename="shot.png", content_type="image/png", size_bytes=3, sha256="a" * 64,
                     storage_key="sha256/aa/" + "a" * 64)


def plan(request: IntakeRequest, found: Identification = FOUND, routed: Route | None = None) -> CasePlan:
    routed = routed or Route(Outcome.NEW_CASE)
    decided = entitlement(found.asset, found.contract, [], NOW.date())
    suggestion = suggest_priority(request.category, request.kind, request.stated_severity)
    contacts = (CONTACT,) if found.company else ()
    return plan_case(request, found, decided, suggestion, routed, caller_for(request, found, contacts))


def test_a_new_case_carries_the_identification_the_priority_and_the_attachments() -> None:
    request = IntakeRequest.create(channel=Channel.EMAIL, received_at=NOW, description="no picture",
                                   summary="Gate 3 camera", reporter={"email": "li@acme.cn"},
                                   stated_severity=StatedSeverity.CRITICAL, attachments=(SHOT,))
    planned = plan(request)
    assert (planned.company_id, planned.contract_id, planned.region) == ("ACME", "C-1", "east")
    assert planned.channel == "email" and planned.priority == "P1" and planned.customer_severity == "P1"
    assert planned.entitlement == "in_warranty" and not planned.not_entitled and not planned.unidentified
    assert planned.caller.phone == "+8613800138000"  # completed from the identified contact
    assert planned.description.startswith("Gate 3 camera\n\nno picture")
    assert "shot.png (image/png, 3 bytes) attachment:sha256/aa/" in planned.description
    assert planned.asset == {"serial_number": "CAM-1", "manufacturer": "Hikvision", "model": "DS-2CD",
                             "site": "Gate 3"}
    assert CasePlan.from_json(planned.to_json()) == planned


def test_an_unknown_caller_opens_flagged_unidentified_and_not_entitled() -> None:
    request = IntakeRequest.create(channel=Channel.WEB_FORM, received_at=NOW, description="help",
                                   reporter={"email": "who@example.com"})
    planned = plan(request, NOBODY)
    assert planned.unidentified and planned.not_entitled and planned.entitlement == "unknown"
    assert planned.company_id is None and planned.caller.email == "who@example.com"


def test_an_alarm_with_nobody_to_answer_uses_the_designated_contact_or_is_refused() -> None:
    alarm = IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, description="video loss",
                                 alarm_code="VL-1", hints={"serial_number": "CAM-1"})
    found = Identification(ACME, None, GATE, CAMERA, CONTRACT, "east", CAMERA.key)
    planned = plan(alarm, found)
    assert planned.caller.phone == CONTACT.phone and planned.channel == "monitoring"
    assert planned.error_codes[0] == "VL-1"
    with pytest.raises(InvalidArgument) as refused:
        caller_for(alarm, NOBODY, ())
    assert refused.value.violations[0].field == "reporter.phone"


def test_a_folded_alarm_is_a_note_and_a_gone_case_becomes_a_new_one() -> None:
    alarm = IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, description="video loss again",
                                 alarm_code="VL-1", hints={"serial_number": "CAM-1"})
    found = Identification(ACME, None, GATE, CAMERA, CONTRACT, "east", CAMERA.key)
    planned = plan(alarm, found, Route(Outcome.ALARM_FOLDED, target_case_number="EA-20261121-000001"))
    assert planned.note_text.startswith("Monitoring alarm VL-1 repeated at 2026-11-21T02:00:00+00:00:")
    assert "video loss again" in planned.note_text
    reopened = planned.as_new_case("Case EA-20261121-000001 could not take this note.")
    assert reopened.note_text == "" and reopened.description.startswith("Case EA-20261121-000001 could not")
    assert reopened.company_id == "ACME"


def test_an_unnamed_reporter_is_addressed_by_its_address_and_long_registry_text_fits_cases() -> None:
    request = IntakeRequest.create(channel=Channel.WEB_FORM, received_at=NOW, description="help",
                                   reporter={"email": "who@example.com"})
    assert caller_for(request, NOBODY, ()).name == "who@example.com"
    long_site = Site("S-9", "ACME", "G" * 480, "Road", "east")
    found = Identification(ACME, CONTACT, long_site, Asset("CAM-9", "M" * 400), CONTRACT, "east", "m:CAM-9")
    planned = plan(request, found)
    assert len(planned.asset["manufacturer"]) == 200 and len(planned.asset["site"]) == 200
