"""The CloudEvent type registry and the case snapshot read from any case or dispatch event."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.common.v1 import common_pb2
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.contracts.case_snapshot import CaseSnapshot, case_snapshot, is_about_a_case
from aftercare_platform.contracts.event_types import EVENT_MESSAGES, message_class, parse_data
from aftercare_platform.errors import InvalidArgument
from google.protobuf.timestamp_pb2 import Timestamp

PROTO = Path(__file__).resolve().parents[4] / "proto" / "aftercare"
DOCUMENTED = re.compile(r"^// (aftercare\.[a-z_]+\.[a-z_]+\.v\d+):.*\n(?://.*\n)*message (\w+) \{", re.MULTILINE)
AT = datetime(2026, 11, 21, 8, 30, tzinfo=UTC)


def documented_types() -> dict[str, str]:
    """Every `// aftercare.<aggregate>.<verb>.v1: ...` comment of an events.proto and the message below it."""
    found: dict[str, str] = {}
    for path in sorted(PROTO.glob("*/v1/events.proto")):
        package = "aftercare." + path.parent.parent.name + ".v1"
        for event_type, message in DOCUMENTED.findall(path.read_text()):
            found[event_type] = f"{package}.{message}"
    return found


def test_the_registry_holds_exactly_the_documented_event_types() -> None:
    documented = documented_types()
    assert len(documented) >= 30
    assert {t: m.DESCRIPTOR.full_name for t, m in EVENT_MESSAGES.items()} == documented


def test_every_registered_type_routes() -> None:
    for event_type in EVENT_MESSAGES:
        assert CloudEvent(event_type, "/t", "s", "east", {}).routing_key.endswith(".east")


def stamp(at: datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(at)
    return message


def event_of(event_type: str, message: object, region: str = "east") -> CloudEvent:
    return CloudEvent(event_type, "/services/test", "case-1", region, payload_to_dict(message))  # type: ignore[arg-type]


def test_parse_data_gives_the_registered_message() -> None:
    sent = sla_events.SlaMet(case_id="case-1", priority=cases_pb2.PRIORITY_P2, reason="acknowledged")
    parsed = parse_data(event_of("aftercare.sla.met.v1", sent))
    assert isinstance(parsed, sla_events.SlaMet) and parsed == sent
    assert message_class("aftercare.sla.met.v1") is sla_events.SlaMet
    assert message_class("aftercare.sla.later.v1") is None


def test_parse_data_names_the_field_when_it_cannot() -> None:
    with pytest.raises(InvalidArgument) as unknown:
        parse_data(CloudEvent("aftercare.case.teleported.v1", "/t", "s", "east", {}))
    assert unknown.value.violations[0].field == "type"
    with pytest.raises(InvalidArgument) as bad:
        parse_data(CloudEvent("aftercare.case.created.v1", "/t", "s", "east", {"occurredAt": "yesterday"}))
    assert bad.value.violations[0].field == "data"
    with pytest.raises(InvalidArgument) as wrong:
        parse_data(CloudEvent("aftercare.case.created.v1", "/t", "s", "east", {}), sla_events.SlaMet)
    assert wrong.value.violations[0].field == "type"


def created() -> case_events.CaseCreated:
    return case_events.CaseCreated(
        case_id="case-1", case_number="EA-20261121-000001", region="east", company_id="acme", contract_id="k-1",
        priority=cases_pb2.PRIORITY_P1, category=cases_pb2.CATEGORY_B, kind=cases_pb2.CASE_KIND_DEFECT,
        assignee_id="eng-1", tier=cases_pb2.TIER_ENGINEER, rma=True, status=cases_pb2.CASE_STATUS_IN_PROGRESS,
        occurred_at=stamp(AT), actor=common_pb2.Actor(subject_id="agent-1", role=common_pb2.ACTOR_ROLE_AGENT),
        description="NVR down")


def test_the_snapshot_of_a_case_event_in_short_forms() -> None:
    assert case_snapshot(event_of("aftercare.case.created.v1", created())) == CaseSnapshot(
        case_id="case-1", case_number="EA-20261121-000001", region="east", company_id="acme", contract_id="k-1",
        priority="P1", occurred_at=AT, actor_id="agent-1", category="B", kind="defect", assignee_id="eng-1",
        tier="engineer", rma=True, status="in_progress")


@pytest.mark.parametrize("verb", ["resolved", "priority_changed", "closed", "a_verb_added_later"])
def test_every_case_event_has_the_same_snapshot(verb: str) -> None:
    data = payload_to_dict(created())
    data.pop("description")
    data["somethingNew"] = {"x": 1}  # payloads only grow
    snapshot = case_snapshot(CloudEvent(f"aftercare.case.{verb}.v1", "/t", "case-1", "east", data))
    assert (snapshot.case_id, snapshot.priority, snapshot.status, snapshot.occurred_at) == (
        "case-1", "P1", "in_progress", AT)


def test_the_snapshot_of_a_dispatch_event() -> None:
    visit = dispatch_events.VisitCheckedIn(case_id="case-1", case_number="EA-1", company_id="acme",
                                           occurred_at=stamp(AT), visit_id="v-1")
    event = event_of("aftercare.visit.checked_in.v1", visit, region="west")
    snapshot = case_snapshot(event)
    assert snapshot.region == "west", "the envelope's region when the payload leaves it out"
    assert snapshot.priority is None and snapshot.status is None and snapshot.occurred_at == AT
    assert is_about_a_case(event.type) and is_about_a_case("aftercare.loaner.delivered.v1")
    assert not is_about_a_case("aftercare.contract.created.v1") and not is_about_a_case("aftercare.sla.met.v1")


def test_the_envelope_time_when_the_payload_has_none() -> None:
    event = CloudEvent("aftercare.case.resumed.v1", "/t", "case-1", "east", {"caseId": "case-1"}, time=AT)
    assert case_snapshot(event).occurred_at == AT


def test_a_snapshot_naming_no_case_names_the_field() -> None:
    event = CloudEvent("aftercare.case.resumed.v1", "/t", "", "east", {"caseNumber": "EA-1"})
    with pytest.raises(InvalidArgument) as missing:
        case_snapshot(event)
    assert missing.value.violations[0].field == "data.case_id"
    assert case_snapshot(event, require_case=False).case_id == ""


def test_an_unknown_priority_number_names_the_field() -> None:
    event = CloudEvent("aftercare.case.resumed.v1", "/t", "c", "east", {"caseId": "c", "priority": 9})
    with pytest.raises(InvalidArgument) as unknown:
        case_snapshot(event)
    assert unknown.value.violations[0].field == "data.priority"


def test_an_event_without_a_case_snapshot_is_refused() -> None:
    with pytest.raises(InvalidArgument) as refused:
        case_snapshot(CloudEvent("aftercare.contract.created.v1", "/t", "k", "east", {}))
    assert refused.value.violations[0].field == "type"


def test_a_service_registers_its_own_event_types() -> None:
    from aftercare_platform.contracts import event_types

    try:
        event_types.register("aftercare.probe_test.pinged.v1", sla_events.SlaMet)
        event_types.register("aftercare.probe_test.pinged.v1", sla_events.SlaMet)  # importing twice is fine
        assert message_class("aftercare.probe_test.pinged.v1") is sla_events.SlaMet
        with pytest.raises(ValueError, match="already carries"):
            event_types.register("aftercare.probe_test.pinged.v1", sla_events.SlaBreached)
    finally:
        event_types._REGISTERED.pop("aftercare.probe_test.pinged.v1", None)
    with pytest.raises(ValueError, match="is not aftercare"):
        event_types.register("probe.pinged", sla_events.SlaMet)
    with pytest.raises(TypeError):
        EVENT_MESSAGES["aftercare.x.y.v1"] = sla_events.SlaMet  # type: ignore[index]
