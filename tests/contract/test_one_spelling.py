"""One spelling of every value on every wire.

REST (cases, intake, sla-timer, survey: their OpenAPI documents and real responses of their routes, built
in-process with fake reads) spells every enum value in its short form (`P1`, `in_progress`,
`FIRST_RESPONSE`), never with the proto's prefix (`PRIORITY_P1`). Event payloads are proto3 JSON, so
they carry the proto's long names, every one of which the platform's case snapshot and EnumMap read
back to the very short form REST answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.common.v1 import common_pb2
from aftercare.intake.v1 import intake_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare.survey.v1 import survey_pb2
from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.contracts import EnumMap
from aftercare_platform.contracts.case_snapshot import case_snapshot
from aftercare_platform.contracts.enum_map import enum_prefix
from aftercare_platform.contracts.event_types import EVENT_MESSAGES, parse_data
from fastapi import FastAPI
from google.protobuf import json_format
from google.protobuf.descriptor import EnumDescriptor

T0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
ENUMS: list[EnumDescriptor] = [
    e for m in (cases_pb2, common_pb2, intake_pb2, sla_pb2, survey_pb2)
    for e in m.DESCRIPTOR.enum_types_by_name.values()
]
PREFIXES = tuple(sorted({enum_prefix(e) for e in ENUMS}))
LONG_NAMES = {v.name for e in ENUMS for v in e.values}
PRIORITY_WORDS = ["P1", "P2", "P3", "P4"]
STATUS_WORDS = [v.name.removeprefix("CASE_STATUS_").lower() for v in cases_pb2.CaseStatus.DESCRIPTOR.values[1:]]


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def long_names_in(document: Any) -> list[str]:
    return [s for s in strings(document) if s in LONG_NAMES]


def enums_in(document: Any) -> list[list[Any]]:
    """Every `enum` list of an OpenAPI document."""
    found: list[list[Any]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "enum" and isinstance(value, list):
                found.append(value)
            else:
                found.extend(enums_in(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(enums_in(item))
    return found


# ---- the three REST APIs, in-process --------------------------------------------------------------


def cases_app(reads: Any = None) -> FastAPI:
    from cases.domain.actors import Actor
    from cases.domain.actors import Role as CaseRole
    from cases.domain.commands.replies import ReplyPolicy
    from cases.entrypoints.http_api import case_router, current_actor

    app = FastAPI()
    # the routes read the deployment's reply policy when they are built; nothing here runs a command
    app.include_router(case_router(cast(Any, SimpleNamespace(reply_policy=ReplyPolicy())), reads))
    app.dependency_overrides[current_actor] = lambda: Actor("agent-1", CaseRole.AGENT)
    return app


def intake_app() -> FastAPI:
    from intake.entrypoints.http_api import intake_router

    app = FastAPI()
    limits = SimpleNamespace(max_request_bytes=1, attachments=None)
    app.include_router(intake_router(*(cast(Any, None),) * 5, cast(Any, limits), "east", cast(Any, None)))
    return app


def sla_app(reads: Any = None, admin: Any = None) -> FastAPI:
    from sla_timer.entrypoints.http_api import sla_router

    app = FastAPI()
    app.include_router(sla_router(reads, admin))
    app.dependency_overrides[require_principal] = lambda: Principal("sup-1", Role.SUPERVISOR)
    return app


def survey_app(reads: Any = None) -> FastAPI:
    from survey.entrypoints.http_api import router

    app = FastAPI()
    app.include_router(router(cast(Any, None), reads))
    app.dependency_overrides[require_principal] = lambda: Principal("alice", Role.CUSTOMER, company_id="company-a")
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


APPS = {"cases": cases_app, "intake": intake_app, "sla-timer": sla_app, "survey": survey_app}


@pytest.mark.parametrize("service", list(APPS))
def test_no_openapi_enum_spells_a_value_with_its_proto_prefix(service: str) -> None:
    document = APPS[service]().openapi()
    values = [v for enum in enums_in(document) for v in enum]
    assert values, f"{service}'s OpenAPI document lists its vocabularies"
    assert [v for v in values if isinstance(v, str) and v.startswith(PREFIXES)] == []
    assert long_names_in(document) == []


def test_the_openapi_documents_spell_priorities_and_statuses_alike() -> None:
    priority_lists = {s: [e for e in enums_in(APPS[s]().openapi()) if "P1" in e] for s in APPS}
    assert priority_lists["cases"] and priority_lists["sla-timer"], "both list priorities"
    assert all(e == PRIORITY_WORDS for lists in priority_lists.values() for e in lists)
    statuses = [e for e in enums_in(cases_app().openapi()) if "in_progress" in e]
    assert statuses and all(e == STATUS_WORDS for e in statuses)


# ---- sample responses --------------------------------------------------------------------------------


def a_case() -> Any:
    from cases.domain import commands
    from cases.domain.actors import Actor
    from cases.domain.actors import Role as CaseRole
    from cases.domain.case import Caller
    from cases.domain.commands import NewCase
    from cases.domain.vocabulary import Category, Kind, Priority

    report = NewCase(region="east", company_id="company-a", contract_id=None, caller=Caller(name="Li", phone="1"),
                     description="NVR down", category=Category.B, kind=Kind.DEFECT, priority=Priority.P1,
                     customer_severity=Priority.P2)
    return commands.open_case(report, case_id="case-1", number="EA-20261121-000001",
                              actor=Actor("agent-1", CaseRole.AGENT), at=T0)


async def test_the_cases_api_answers_short_forms() -> None:
    opened = a_case()

    class Reads:
        async def get(self, actor: Any, ref: Any) -> Any:
            return opened.case

    async with client(cases_app(Reads())) as http:
        body = (await http.get("/v1/cases/EA-20261121-000001")).json()["case"]
    assert (body["priority"], body["customer_severity"], body["status"]) == ("P1", "P2", "new")
    assert (body["category"], body["kind"], body["channel"], body["tier"]) == ("B", "defect", "hotline", "desk")
    assert long_names_in(body) == []


async def test_the_sla_api_answers_short_forms() -> None:
    from sla_timer.adapters.compliance import Report, ReportRow
    from sla_timer.domain.defaults import load_default_policy_set
    from sla_timer.domain.vocabulary import ClockKind, Priority

    class Admin:
        async def current(self, principal: Principal) -> Any:
            return load_default_policy_set()

    class Reads:
        async def compliance(self, principal: Principal, wanted: Any) -> Report:
            assert wanted.priorities == {Priority.P1} and wanted.kinds == {ClockKind.FIRST_RESPONSE}
            return Report([ReportRow("company-a", "east", Priority.P1, ClockKind.FIRST_RESPONSE, "2026-11", 3, 1)])

    async with client(sla_app(Reads(), Admin())) as http:
        policies = (await http.get("/v1/policies")).json()
        wanted = {"priority": "P1", "clock_kind": "FIRST_RESPONSE"}
        report = (await http.get("/v1/compliance", params=wanted)).json()
    targets = [t for p in policies["policies"] for t in p["targets"]]
    assert targets and {t["priority"] for t in targets} == set(PRIORITY_WORDS)
    assert "FIRST_RESPONSE" in {t["clock_kind"] for t in targets}
    actions = [a for t in targets for w in t.get("warnings", []) for a in w.get("actions", [])]
    assert actions and {a["kind"] for a in actions} <= {"notify", "reassign", "escalate"}
    assert long_names_in(policies) == []
    assert [(r["priority"], r["clock_kind"]) for r in report["rows"]] == [("P1", "FIRST_RESPONSE")]
    assert long_names_in(report) == []


async def test_the_survey_api_answers_short_forms() -> None:
    from survey.domain.case_survey import CaseSurvey
    from survey.domain.fatigue import SkipReason
    from survey.domain.invitation import InvitationStatus
    from survey.entrypoints.case_survey_messages import INVITATION_STATUSES, SKIP_REASONS, case_survey_message

    skipped = CaseSurvey(case_id="c-1", case_number="EA-20261121-000001", status=InvitationStatus.SKIPPED,
                         skip_reason=SkipReason.NOT_SAMPLED, closed_at=T0, sent_at=None, expires_at=None,
                         expired=False, link=None, answer=None)

    class Reads:
        async def case_survey(self, principal: Principal, case_id: str) -> CaseSurvey:
            return skipped

    async with client(survey_app(Reads())) as http:
        body = (await http.get("/v1/cases/c-1/survey")).json()
    assert (body["status"], body["skip_reason"]) == ("skipped", "not_sampled")
    assert long_names_in(body) == []
    # the gRPC message's proto3 JSON carries the long names, which EnumMap reads back to the REST spelling
    as_json = json_format.MessageToDict(case_survey_message(skipped), preserving_proto_field_name=True)
    assert (as_json["status"], as_json["skip_reason"]) == ("INVITATION_STATUS_SKIPPED", "SKIP_REASON_NOT_SAMPLED")
    assert INVITATION_STATUSES.parse(as_json["status"], "status").value == body["status"]
    assert SKIP_REASONS.parse(as_json["skip_reason"], "skip_reason").value == body["skip_reason"]


def test_the_intake_api_answers_short_forms() -> None:
    from intake.adapters.proto_mapping import CHANNELS, PRIORITIES, RECEIPT_OUTCOMES, RECEIPT_STATES
    from intake.adapters.receipts import Receipt
    from intake.entrypoints.http_models import receipt_json

    receipt = Receipt(receipt_id="r-1", channel="web_form", state="submitted", outcome="new_case", case_id="c-1",
                      case_number="EA-20261121-000001", received_at=T0, submitted_at=T0, attempts=1,
                      last_error=None, identification={"suggested_priority": "P2", "entitlement": "in_warranty"})
    body = receipt_json(receipt, full=True)
    assert CHANNELS.parse(body["channel"], "channel").value == body["channel"]
    assert RECEIPT_STATES.parse(body["state"], "state") == body["state"]
    assert RECEIPT_OUTCOMES.parse(body["outcome"], "outcome") == body["outcome"]
    assert PRIORITIES.parse(body["identification"]["suggested_priority"], "p").value == "P2"
    assert long_names_in(body) == []


# ---- event samples ---------------------------------------------------------------------------------


def test_case_events_carry_proto_names_that_read_back_to_the_rest_spelling() -> None:
    from cases.adapters.proto_mapping import case_payload, event_data

    opened = a_case()
    [event] = opened.events
    data = event_data(event)
    assert (data["priority"], data["status"]) == ("PRIORITY_P1", "CASE_STATUS_NEW"), "proto3 JSON on the bus"
    snapshot = case_snapshot(CloudEvent(event.type, "/services/cases", "case-1", "east", data))
    rest = case_payload(opened.case)
    assert (snapshot.priority, snapshot.status, snapshot.category, snapshot.kind, snapshot.tier) == (
        rest["priority"], rest["status"], rest["category"], rest["kind"], rest["tier"])


def test_sla_events_carry_proto_names_that_read_back_to_the_rest_spelling() -> None:
    from sla_timer.adapters.sla_events import CaseRef, fired_events
    from sla_timer.domain.clock import fire_due, start_clock
    from sla_timer.domain.defaults import load_default_policy_set
    from sla_timer.domain.vocabulary import ClockKind, Priority

    defaults = load_default_policy_set()
    policy = defaults.policy("plan-001-engineer-response")
    clock = start_clock(None, case_id="case-1", kind=ClockKind.FIRST_RESPONSE, at=T0, priority=Priority.P1,
                        policy=policy.name, target=policy.target_for(Priority.P1, ClockKind.FIRST_RESPONSE),
                        calendars=defaults.calendars).clock
    fired = fire_due(clock, now=T0 + timedelta(hours=2), calendars=defaults.calendars)
    events = fired_events(clock, fired.fired, CaseRef("EA-20261121-000001", "east", "company-a"))
    assert events
    for event_type, payload in events:
        assert event_type in EVENT_MESSAGES
        message: Any = parse_data(CloudEvent(event_type, "/services/sla-timer", "case-1", "east", payload))
        assert json_format.MessageToDict(message) == payload, "the proto3 JSON mapping, long names"
        assert payload["priority"] == "PRIORITY_P1" and payload["clockKind"] == "CLOCK_KIND_FIRST_RESPONSE"
        assert EnumMap.words(cases_pb2.Priority).short(message.priority, "priority") == "P1"
        assert EnumMap.words(sla_pb2.ClockKind).short(message.clock_kind, "clock_kind") == "FIRST_RESPONSE"
