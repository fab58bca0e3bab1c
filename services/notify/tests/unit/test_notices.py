"""Reading events into notices: the case snapshot, the SLA policy's notify actions, the facts templates show."""

from datetime import UTC, datetime

import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.bus.consumer import PermanentError
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from google.protobuf.timestamp_pb2 import Timestamp
from notify.adapters.notices import notice_document, notice_from_document, notice_from_event
from notify.domain.notice import NotifyAction
from notify.domain.vocabulary import Channel, Role


def event(kind: str, message: object) -> CloudEvent:
    return CloudEvent(type=f"aftercare.{kind}.v1", source="/services/x", subject="case-1", region="east",
                      data=payload_to_dict(message))  # type: ignore[arg-type]


def test_sla_breach_carries_roles_channels_and_a_local_deadline() -> None:
    deadline = Timestamp()
    deadline.FromDatetime(datetime(2026, 11, 21, 2, 30, tzinfo=UTC))
    action = sla_pb2.Action(kind=sla_pb2.ACTION_KIND_NOTIFY, roles=[sla_pb2.NOTIFY_ROLE_SUPERVISOR],
                            channels=[sla_pb2.NOTIFY_CHANNEL_SMS, sla_pb2.NOTIFY_CHANNEL_EMAIL])
    reassign = sla_pb2.Action(kind=sla_pb2.ACTION_KIND_REASSIGN)
    notice = notice_from_event(event("sla.breached", sla_events.SlaBreached(
        case_id="case-1", case_number="EA-1", region="east", company_id="company-a",
        priority=cases_pb2.PRIORITY_P1, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, deadline=deadline,
        actions=[action, reassign])))
    assert notice.event_type == "sla.breached" and notice.priority == "P1" and notice.urgent
    assert notice.actions == (NotifyAction((Role.SUPERVISOR,), (Channel.SMS, Channel.EMAIL)),)
    assert notice.facts["deadline"] == "2026-11-21 10:30"  # Shanghai
    assert notice.facts["clock_kind"] == "first response"
    assert notice_from_document(notice_document(notice)) == notice


def test_case_created_names_the_caller_and_internal_notes_stay_internal() -> None:
    created = notice_from_event(event("case.created", case_events.CaseCreated(
        case_id="case-1", case_number="EA-1", company_id="company-a", priority=cases_pb2.PRIORITY_P3,
        caller=cases_pb2.Caller(name="Li", phone="+8613800000000"))))
    assert created.caller.phone == "+8613800000000" and not created.urgent
    note = notice_from_event(event("case.note_added", case_events.CaseNoteAdded(case_id="case-1", internal=True)))
    assert note.internal


def test_a_payload_that_does_not_parse_is_parked() -> None:
    broken = CloudEvent(type="aftercare.sla.warning.v1", source="/s", subject="case-1", region="east",
                        data={"warningIndex": "not a number"})
    with pytest.raises(PermanentError, match="does not parse"):
        notice_from_event(broken)
