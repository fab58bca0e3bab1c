"""What intake tells cases about the person behind a report (issue 10): the agent who took the call, the
partner key, the customer's contact; the agent's explicit priority wins and the suggestion is kept; the
gateway carries both; and only a vendor-fault outage is downtime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.common.v1 import common_pb2
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.errors import InvalidArgument
from intake.adapters.cases_gateway import create_case_request, on_behalf_of
from intake.domain.case_plan import caller_for, plan_case
from intake.domain.downtime import vendor_outage
from intake.domain.intake_request import IntakeRequest
from intake.domain.priority import suggest_priority
from intake.domain.routing import Outcome, Route
from intake.domain.sender_rights import NoteTrust
from intake.domain.vocabulary import Channel, Priority, StatedSeverity
from intake.domain.warranty import entitlement
from intake.entrypoints.requests import submitted_request

from .test_case_plan import FOUND, NOBODY, NOW, plan

AGENT = Principal(subject="desk-7", role=Role.AGENT)
PARTNER = Principal(subject="nms-acme", role=Role.PARTNER, company_id="ACME")


def hotline(priority: str | None = None, **fields: object) -> IntakeRequest:
    report = {"reporter": {"phone": "+86 138 0013 8000"}, "description": "all cameras down",
              "stated_severity": StatedSeverity.GENERAL, **fields}
    return submitted_request(AGENT, report, "", NOW, Channel.AGENT_PHONE, priority)


def test_the_agents_priority_wins_and_the_suggestion_is_kept() -> None:
    planned = plan(hotline(Priority.P1))
    assert (planned.priority, planned.suggested_priority) == ("P1", "P3")
    request = create_case_request("r-1", planned)
    assert (request.priority, request.suggested_priority) == (cases_pb2.PRIORITY_P1, cases_pb2.PRIORITY_P3)


def test_without_a_priority_the_suggestion_is_the_priority() -> None:
    planned = plan(hotline())
    assert planned.priority == planned.suggested_priority == "P3"


def test_only_the_desk_sets_a_priority() -> None:
    with pytest.raises(InvalidArgument) as partner:
        submitted_request(PARTNER, {"description": "x"}, "p-1", NOW, None, Priority.P1)
    assert partner.value.violations[0].field == "priority"
    with pytest.raises(InvalidArgument) as email:
        IntakeRequest.create(channel=Channel.EMAIL, received_at=NOW, description="x",
                             reporter={"email": "li@acme.cn"}, priority=Priority.P1)
    assert email.value.violations[0].field == "priority"


def test_the_agent_who_took_the_call_is_who_the_case_names() -> None:
    planned = plan(hotline())
    assert planned.on_behalf == {"subject_id": "desk-7", "role": "agent"}
    actor = create_case_request("r-1", planned).on_behalf_of
    assert (actor.subject_id, actor.role) == ("desk-7", common_pb2.ACTOR_ROLE_AGENT)


def test_a_partner_report_names_the_partner_key() -> None:
    request = submitted_request(PARTNER, {"description": "x"}, "p-1", NOW)
    assert plan(request).on_behalf == {"subject_id": "nms-acme", "role": "partner", "company_id": "ACME"}


def test_an_email_names_the_contact_it_came_from() -> None:
    request = IntakeRequest.create(channel=Channel.EMAIL, received_at=NOW, description="no picture",
                                   reporter={"email": "li@acme.cn", "name": "Li"})
    assert plan(request).on_behalf == {"subject_id": "K-1", "role": "customer", "company_id": "ACME",
                                       "display_name": "Li Lei"}
    actor = on_behalf_of(plan(request))
    assert actor is not None and actor.role == common_pb2.ACTOR_ROLE_CUSTOMER


def test_a_reply_speaks_for_the_company_of_the_case_it_quotes() -> None:
    reply = IntakeRequest.create(channel=Channel.EMAIL, received_at=NOW, description="logs attached",
                                 reporter={"email": "ops@elsewhere.cn"}, quoted_case_number="EA-20261121-000042")
    routed = Route(Outcome.NOTE_ON_QUOTED_CASE, target_case_number="EA-20261121-000042")
    def planned(trust: NoteTrust):
        return plan_case(reply, NOBODY, entitlement(None, None, [], NOW.date()), suggest_priority(None, None, None),
                         routed, caller_for(reply, NOBODY, ()), trust, "ACME")

    assert planned(NoteTrust.VERIFIED).on_behalf == {"subject_id": "ops@elsewhere.cn", "role": "customer",
                                                     "company_id": "ACME"}
    # a sender nobody could verify speaks for nobody: its note stays agent-only and resumes nothing
    assert planned(NoteTrust.UNVERIFIED).on_behalf is None


def test_an_alarm_speaks_for_nobody() -> None:
    alarm = IntakeRequest.create(channel=Channel.ALARM, received_at=NOW, description="down", alarm_code="A-1",
                                 hints={"serial_number": "CAM-1"})
    assert plan(alarm, FOUND).on_behalf is None


def test_only_a_vendor_fault_outage_extends_the_warranty() -> None:
    start, end = NOW - timedelta(days=3), NOW
    assert vendor_outage("vendor", start, end, "EA-1") is not None
    assert vendor_outage("customer", start, end) is None
    assert vendor_outage("third_party", start, end) is None
    assert vendor_outage("unknown", start, end) is None
    assert vendor_outage("vendor", None, end) is None
