"""The domain and the aftercare.cases.v1 contract agree: every event converts to its proto
message with no field left over, and every domain enum has its proto value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from types import SimpleNamespace

import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.common.v1 import common_pb2
from cases.adapters.proto_mapping import (
    EVENT_MESSAGES,
    case_message,
    enum_map,
    event_data,
    event_message,
    timeline_entry_message,
)
from cases.domain import commands
from cases.domain.activities import Activity, ActivityKind
from cases.domain.actors import Role
from cases.domain.case import Caller, Case
from cases.domain.commands import NewCase
from cases.domain.decisions import Decision, DomainEvent
from cases.domain.lifecycle import Action, allowed_actions
from cases.domain.queries import SortDirection, SortField
from cases.domain.timeline import ChainHead, seal
from cases.domain.vocabulary import (
    CancelReason,
    Category,
    Channel,
    ComplaintAbout,
    Entitlement,
    Kind,
    Priority,
    Status,
    Tier,
    Visibility,
)
from google.protobuf.descriptor import EnumDescriptor

PAIRS: list[tuple[type[StrEnum], EnumDescriptor]] = [
    (Status, cases_pb2.CaseStatus.DESCRIPTOR),
    (Category, cases_pb2.Category.DESCRIPTOR),
    (Kind, cases_pb2.CaseKind.DESCRIPTOR),
    (Priority, cases_pb2.Priority.DESCRIPTOR),
    (Tier, cases_pb2.Tier.DESCRIPTOR),
    (Visibility, cases_pb2.Visibility.DESCRIPTOR),
    (Channel, cases_pb2.Channel.DESCRIPTOR),
    (Entitlement, cases_pb2.Entitlement.DESCRIPTOR),
    (ComplaintAbout, cases_pb2.ComplaintAbout.DESCRIPTOR),
    (CancelReason, cases_pb2.CancelReason.DESCRIPTOR),
    (ActivityKind, cases_pb2.ActivityKind.DESCRIPTOR),
    (Action, cases_pb2.CaseAction.DESCRIPTOR),
    (SortField, cases_pb2.CaseSortField.DESCRIPTOR),
    (SortDirection, cases_pb2.SortDirection.DESCRIPTOR),
    (Role, common_pb2.ActorRole.DESCRIPTOR),
]


@pytest.mark.parametrize(("domain", "proto"), PAIRS, ids=[d.__name__ for d, _ in PAIRS])
def test_every_domain_value_has_its_proto_value_and_back(domain: type[StrEnum], proto: EnumDescriptor) -> None:
    mapping = enum_map(domain)
    assert mapping.descriptor is proto
    for member in domain:
        number = mapping.number(member)
        assert mapping.optional(number, "field") is member
    assert mapping.optional(0, "field") is None
    assert len(proto.values) == len(domain) + 1, "no proto value without its domain value"


def every_event(case_in: Callable[..., Case], people: SimpleNamespace, fault_report) -> list[DomainEvent]:
    events: list[DomainEvent] = []

    def keep(decision: Decision) -> Case:
        events.extend(decision.events)
        return decision.case

    case = case_in(Status.NEW)
    at = case.updated_at
    events.extend(
        commands.open_case(
            NewCase(
                region="east",
                company_id="company-a",
                contract_id=None,
                caller=Caller(name="Li", phone="1"),
                description="d",
                category=Category.B,
                kind=Kind.CONSULTATION,
                priority=Priority.P4,
            ),
            case_id="c",
            number="EA-20261121-000001",
            actor=people.agent,
            at=at,
        ).events
    )

    case = keep(commands.assign(case, people.agent, at, assignee="eng-1", tier=Tier.ENGINEER))
    case = keep(commands.acknowledge(case, people.engineer, at, message="on it"))
    case = keep(commands.change_priority(case, people.agent, at, priority=Priority.P2, reason="r"))
    case = keep(commands.escalate(case, people.engineer, at, reason="r"))
    case = keep(commands.confirm_vendor_escalation(case, people.expert, at, reason="r"))
    case = keep(commands.escalate(case, people.expert, at, reason="r"))
    case = keep(commands.escalate(case, people.expert, at, reason="r", to_rma=True))
    case = keep(commands.set_waiting_for_customer(case, people.engineer, at, reason="logs"))
    case = keep(commands.resume(case, people.engineer, at))
    for activity in (
        Activity(ActivityKind.PHONE_CALL, "called", occurred_at=at - timedelta(minutes=5)),
        Activity(ActivityKind.ON_SITE_VISIT, "visited", site="Gate 3"),
        Activity(ActivityKind.REMOTE_SESSION, "ssh", permission_given=True, command_log=("uptime",)),
        Activity(ActivityKind.RMA_STEP, "sent", rma_step="sent to vendor", rma_number="RMA-9"),
        Activity(ActivityKind.DIAGNOSIS_REPORT, "dead PSU", visibility=Visibility.INTERNAL),
        Activity(ActivityKind.LOANER_ISSUED, "spare", device_serial="L-1", device_class="NVR"),
        Activity(ActivityKind.LOANER_RETURNED, "back", device_serial="L-1"),
    ):
        case = keep(commands.record_activity(case, people.engineer, at, activity=activity))
    noted = commands.add_note(case, people.engineer, at, text="secret", visibility=Visibility.INTERNAL)
    case = keep(noted)
    [entry], _ = seal(ChainHead.genesis(case.id), noted.entries)
    case = keep(commands.correct_entry(case, people.engineer, at, original=entry, text="fixed"))
    case = keep(commands.add_note(case, people.customer, at, text="hello"))
    case = keep(commands.file_complaint(case, people.customer, at, about=ComplaintAbout.FIX, text="slow"))
    case = keep(commands.file_complaint(case, people.customer, at, about=ComplaintAbout.ENGINEER, text="rude"))
    case = keep(commands.reassign(case, people.supervisor, at, assignee="eng-2", reason="r", complaint_sequence=2))
    case = keep(commands.take_over(case, people.engineer, at))
    case = keep(commands.resolve(case, people.engineer, at, fault_report=fault_report))
    case = keep(commands.reject(case, people.customer, at, reason="no"))
    case = keep(commands.resolve(case, people.engineer, at, fault_report=fault_report))
    case = keep(commands.confirm(case, people.agent, at, comment="ok"))
    case = keep(commands.reopen(case, people.system, at, reason="unsatisfied"))
    case = keep(commands.acknowledge(case, people.engineer, at))
    case = keep(commands.resolve(case, people.engineer, at, fault_report=fault_report))
    case = keep(commands.close(case, people.agent, at, reason="no answer in 3 days"))
    other = case_in(Status.NEW)
    keep(
        commands.cancel(
            other, people.agent, at, reason=CancelReason.DUPLICATE, text="dup", duplicate_of="EA-20261120-000001"
        )
    )
    return events


def test_every_event_fits_its_message(case_in: Callable[..., Case], people: SimpleNamespace, fault_report) -> None:
    events = every_event(case_in, people, fault_report)
    assert {e.name for e in events} == set(EVENT_MESSAGES), "every kind of event was produced"
    for event in events:
        message = event_message(event)  # raises on a payload key the contract lacks
        data = event_data(event)
        assert data["caseId"] == event.payload["case_id"]
        assert data["region"] == "east"
        assert data["actor"]["role"].startswith("ACTOR_ROLE_")
        assert data["occurredAt"].endswith("Z")
        assert message.DESCRIPTOR.name == EVENT_MESSAGES[event.name].DESCRIPTOR.name


def test_internal_matter_is_flagged_in_the_messages(
    case_in: Callable[..., Case], people: SimpleNamespace, fault_report
) -> None:
    for event in every_event(case_in, people, fault_report):
        data = event_data(event)
        if not event.customer_visible:
            assert data.get("internal") is True, event.name
            assert "secret" not in str(data)
        elif "internal" in event.payload:
            assert data.get("internal", False) is False


def test_an_event_payload_converts_like_this(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    decision = commands.change_priority(case, people.agent, case.updated_at, priority=Priority.P1, reason="ICU down")
    data = event_data(decision.event("priority_changed"))
    assert data == {
        "caseId": "case-1",
        "caseNumber": "EA-20261121-000042",
        "region": "east",
        "companyId": "company-a",
        "contractId": "contract-7",
        "priority": "PRIORITY_P1",
        "category": "CATEGORY_A",
        "kind": "CASE_KIND_DEFECT",
        "assigneeId": "eng-1",
        "tier": "TIER_DESK",
        "status": "CASE_STATUS_IN_PROGRESS",
        "occurredAt": "2026-11-21T01:02:00Z",
        "actor": {"subjectId": "agent-1", "role": "ACTOR_ROLE_AGENT"},
        "previousPriority": "PRIORITY_P3",
        "reason": "ICU down",
    }


@pytest.mark.parametrize("status", list(Status))
def test_a_case_in_any_status_fits_the_case_message(status: Status, case_in: Callable[..., Case]) -> None:
    message = case_message(case_in(status))
    assert message.status == cases_pb2.CaseStatus.Value(f"CASE_STATUS_{status.value.upper()}")
    assert [cases_pb2.CaseAction.Name(a).removeprefix("CASE_ACTION_").lower() for a in message.allowed_actions] == [
        a.value for a in allowed_actions(status)
    ]
    assert message.case_number == "EA-20261121-000042" and message.caller.name == "Li Lei"


def test_a_full_case_fits_the_case_message(case_in: Callable[..., Case], people: SimpleNamespace, fault_report) -> None:
    case = case_in(Status.RESOLVED)
    case = commands.file_complaint(case, people.customer, case.updated_at, about=ComplaintAbout.ENGINEER, text="x").case
    message = case_message(case)
    assert message.fault_report.cause == fault_report.cause
    assert message.complaints[0].about == cases_pb2.COMPLAINT_ABOUT_ENGINEER
    assert message.flags.supervisor_review
    assert message.resolved_at.ToDatetime(tzinfo=case.created_at.tzinfo) == case.resolved_at
    cancelled = case_message(
        commands.cancel(
            case_in(Status.NEW),
            people.agent,
            case.updated_at,
            reason=CancelReason.DUPLICATE,
            text="d",
            duplicate_of="EA-20261120-000001",
        ).case
    )
    assert cancelled.cancellation.duplicate_of == "EA-20261120-000001"


def test_a_client_can_recompute_an_entrys_hash_from_the_message(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    import hashlib
    import json

    case = case_in(Status.IN_PROGRESS)
    activity = Activity(ActivityKind.REMOTE_SESSION, "重启服务", permission_given=True, command_log=("uptime",))
    drafts = commands.record_activity(case, people.engineer, case.updated_at, activity=activity).entries
    [entry], _ = seal(ChainHead.genesis(case.id), drafts)
    message = timeline_entry_message(entry)
    assert message.payload["activity"]["summary"] == "重启服务"
    assert not message.HasField("corrects_position")
    document = {
        "previous_hash": message.previous_hash,
        "position": message.position,
        "at": message.occurred_at.ToDatetime().strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        "actor": {"subject_id": message.actor.subject_id, "role": "engineer"},
        "kind": message.kind,
        "visibility": "public",
        "payload": json.loads(message.payload_json),
        "corrects_position": None,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == message.hash
