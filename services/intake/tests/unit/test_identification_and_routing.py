"""Who reported it and about what, and where the report goes (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from intake.domain.duplicates import OpenCase
from intake.domain.identification import Candidates, asset_key, device_lock, identify
from intake.domain.intake_request import IntakeRequest
from intake.domain.registry import Asset, Company, Contact, Contract, Site
from intake.domain.routing import Outcome, pending_case_ref, route
from intake.domain.vocabulary import Channel

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
ACME = Company("ACME", "ACME Ltd", "east")
OTHER = Company("OTHER", "Other Ltd", "south")
GATE = Site("S-1", "ACME", "Gate 3", "1 Harbour Road", "north")
CONTACT = Contact("K-1", "ACME", "Li Lei", "+8613800138000", "li@acme.cn", site_id="S-1")
CONTRACT = Contract("C-1", "ACME", "default", date(2025, 1, 1), date(2025, 6, 1))
CAMERA = Asset("CAM-1", "Hikvision", "DS-2CD", "S-1", "C-1")


def request(**fields: object) -> IntakeRequest:
    base: dict[str, object] = {"channel": Channel.SMS, "received_at": NOW, "description": "no picture",
                               "reporter": {"phone": "13800138000"}}
    return IntakeRequest.create(**{**base, **fields})


def registry(**overrides: object) -> Candidates:
    fields: dict[str, object] = {
        "contacts": (CONTACT,), "companies": {"ACME": ACME}, "sites": {"S-1": GATE}, "contracts": {"C-1": CONTRACT},
        "site_assets": {"S-1": (CAMERA,)}, "company_sites": {"ACME": (GATE,)},
    }
    return Candidates(**{**fields, **overrides})  # type: ignore[arg-type]


def test_a_known_phone_finds_contact_company_site_only_asset_and_only_contract() -> None:
    found = identify(request(), registry(), "east")
    assert (found.contact, found.company, found.site, found.asset, found.contract) == (
        CONTACT, ACME, GATE, CAMERA, CONTRACT)
    assert found.region == "north"  # the site's region wins over the company's
    assert found.asset_key == CAMERA.key == asset_key("Hikvision", "CAM-1")
    assert not found.unidentified


def test_an_unknown_caller_is_not_rejected_but_unidentified() -> None:
    found = identify(request(reporter={"phone": "13900000000"}), Candidates(), "east")
    assert found.unidentified and found.contract is None and found.region == "east"


def test_a_serial_number_finds_the_asset_and_through_it_the_company() -> None:
    alarm = request(channel=Channel.ALARM, reporter={}, alarm_code="VL", hints={"serial_number": "CAM-1"})
    found = identify(alarm, registry(contacts=(), assets=(CAMERA,)), "east")
    assert found.asset == CAMERA and found.company == ACME and found.contract == CONTRACT


def test_a_serial_of_two_manufacturers_needs_the_manufacturer_or_the_company() -> None:
    twin = Asset("CAM-1", "Dahua", None, None, "C-9")
    ambiguous = identify(request(reporter={}, channel=Channel.ALARM, alarm_code="X", hints={"serial_number": "CAM-1"}),
                         registry(contacts=(), assets=(CAMERA, twin)), "east")
    assert ambiguous.asset is None and ambiguous.asset_key == ":CAM-1"
    named = identify(request(hints={"serial_number": "CAM-1", "manufacturer": "DAHUA"}),
                     registry(assets=(CAMERA, twin)), "east")
    assert named.asset == twin
    by_company = identify(request(hints={"serial_number": "CAM-1"}), registry(assets=(CAMERA, twin)), "east")
    assert by_company.asset == CAMERA  # the contact's company owns only one of them


def test_contacts_of_two_companies_on_one_phone_are_ambiguous_unless_a_company_is_named() -> None:
    shared = Contact("K-9", "OTHER", "Li Lei", "+8613800138000")
    both = registry(contacts=(CONTACT, shared), companies={"ACME": ACME, "OTHER": OTHER})
    assert identify(request(), both, "east").contact is None
    named = identify(request(hints={"company": "Other Ltd"}), registry(
        contacts=(CONTACT, shared), hinted_companies=(OTHER,), companies={"ACME": ACME, "OTHER": OTHER}), "east")
    assert named.contact == shared and named.company == OTHER


def test_a_hinted_contract_of_another_company_is_not_taken() -> None:
    foreign = Contract("C-X", "OTHER", "gold", date(2025, 1, 1))
    found = identify(request(hints={"contract_id": "C-X"}),
                     registry(contracts={"C-1": CONTRACT, "C-X": foreign}), "east")
    assert found.contract == CONTRACT
    assert any("C-X is not one of the company's" in note for note in found.notes)


def test_a_quoted_case_number_is_a_note_on_that_case() -> None:
    routed = route(request(description="EA-20261120-000042 fixed now", quoted_case_number="EA-20261120-000042"),
                   CAMERA.key, [])
    assert routed.outcome is Outcome.NOTE_ON_QUOTED_CASE and routed.target_case_number == "EA-20261120-000042"


def test_a_repeated_alarm_folds_into_the_open_case_even_one_still_being_opened() -> None:
    alarm = request(channel=Channel.ALARM, reporter={}, alarm_code="VIDEO-LOSS", hints={"serial_number": "CAM-1"})
    assert route(alarm, CAMERA.key, []).outcome is Outcome.NEW_CASE
    pending = OpenCase(pending_case_ref("r-1"), CAMERA.key, NOW, "video loss", ("VIDEO-LOSS",), "VIDEO-LOSS")
    routed = route(alarm, CAMERA.key, [pending])
    assert routed.outcome is Outcome.ALARM_FOLDED and routed.target_receipt_id == "r-1"
    assert routed.target_case_number is None
    opened = OpenCase("EA-20261121-000001", CAMERA.key, NOW, "video loss", (), "VIDEO-LOSS")
    assert route(alarm, CAMERA.key, [opened]).target_case_number == "EA-20261121-000001"


def test_the_same_symptom_on_the_same_asset_is_noted_on_the_open_case() -> None:
    opened = OpenCase("EA-20261121-000001", CAMERA.key, NOW, "gate 3 camera shows no picture", ("E-1021",))
    routed = route(request(description="still no picture", error_codes=("E-1021",)), CAMERA.key, [opened])
    assert routed.outcome is Outcome.DUPLICATE_NOTED and routed.target_case_number == "EA-20261121-000001"
    other = route(request(description="it beeps", error_codes=("E-7",)), CAMERA.key, [opened])
    assert other.outcome is Outcome.NEW_CASE


def test_every_way_of_naming_a_device_takes_its_one_lock() -> None:
    """The lock that makes concurrent repeats of one alarm one case is the device's serial, however it was found:
    the candidates' statement takes it from the report's serial before anything is identified."""
    by_serial = identify(request(channel=Channel.ALARM, reporter={}, alarm_code="VL", hints={"serial_number": "CAM-1"}),
                         registry(contacts=(), assets=(CAMERA,)), "east")
    only_at_site = identify(request(), registry(), "east")  # no serial given: the site's only asset
    unregistered = identify(request(hints={"serial_number": " CAM-1 ", "manufacturer": "Nobody"}),
                            registry(site_assets={}), "east")
    assert by_serial.device_lock == only_at_site.device_lock == unregistered.device_lock == device_lock("CAM-1")
    assert device_lock("CAM-1") == "device:CAM-1" and device_lock("  ") is None and device_lock(None) is None
    nothing_named = identify(request(), registry(site_assets={}), "east")
    assert nothing_named.asset_key is None and nothing_named.device_lock is None
