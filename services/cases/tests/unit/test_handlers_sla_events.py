"""cases' consumer of sla-timer's events, on SQLite: one internal timeline entry per event however often
it is delivered (the inbox and the entry commit together); an event for an unknown case is parked."""

from __future__ import annotations

import pytest
from aftercare.sla.v1 import events_pb2, sla_pb2
from aftercare_platform.bus.consumer import PermanentError
from aftercare_platform.bus.envelope import payload_to_dict
from cases.domain.references import CaseRef
from cases.domain.vocabulary import Visibility
from cases.entrypoints.consumers import sla_events
from google.protobuf.duration_pb2 import Duration

from .conftest import CasesBench, new_case_report


def warning(bench: CasesBench, case_id: str):
    message = events_pb2.SlaWarning(case_id=case_id, clock_kind=sla_pb2.CLOCK_KIND_FIRST_RESPONSE, cycle=1,
                                    target=Duration(seconds=3600), warning_index=0, warning_label="30m")
    return bench.bench.event("aftercare.sla.warning.v1", subject=case_id, data=payload_to_dict(message),
                             source="/services/sla-timer")


async def test_an_sla_warning_is_one_internal_entry_however_often_delivered(cases: CasesBench, people) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-1", new_case_report())).case
    subscription = sla_events(cases.handlers)
    event = warning(cases, case.id)
    assert await cases.bench.deliver(subscription, event)
    assert not await cases.bench.deliver(subscription, event), "a redelivery is absorbed by the inbox"
    page = await cases.reads.timeline(people.agent, CaseRef(case_id=case.id), after=0, page_size=50)
    facts = [e for e in page.entries if e.kind == "sla.warning"]
    assert len(facts) == 1 and facts[0].visibility is Visibility.INTERNAL
    assert facts[0].payload["event_id"] == event.id and facts[0].actor["subject_id"] == "service:sla-timer"
    assert (await cases.reads.verify(people.agent, CaseRef(case_id=case.id))).ok


async def test_an_sla_event_for_an_unknown_case_is_parked(cases: CasesBench) -> None:
    with pytest.raises(PermanentError):
        await cases.bench.deliver(sla_events(cases.handlers), warning(cases, "no-such-case"))


async def test_a_withdrawn_met_is_a_customer_visible_entry_after_the_met(cases: CasesBench, people) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-2", new_case_report())).case
    clock = {"case_id": case.id, "clock_kind": sla_pb2.CLOCK_KIND_RESTORE, "cycle": 1,
             "target": Duration(seconds=14400)}
    met = events_pb2.SlaMet(**clock, reason="resolved")
    taken_back = events_pb2.SlaMetWithdrawn(**clock, met_reason="resolved", reason="resolution rejected")
    subscription = sla_events(cases.handlers)
    for event_type, message in (("aftercare.sla.met.v1", met), ("aftercare.sla.met_withdrawn.v1", taken_back)):
        event = cases.bench.event(event_type, subject=case.id, data=payload_to_dict(message),
                                  source="/services/sla-timer")
        assert await cases.bench.deliver(subscription, event)
    page = await cases.reads.timeline(people.agent, CaseRef(case_id=case.id), after=0, page_size=50)
    facts = [e for e in page.entries if e.kind.startswith("sla.")]
    assert [e.kind for e in facts] == ["sla.met", "sla.met_withdrawn"]
    withdrawn = facts[1]
    assert withdrawn.visibility is Visibility.PUBLIC and "actions" not in withdrawn.payload
    assert (withdrawn.payload["clock_kind"], withdrawn.payload["met_reason"], withdrawn.payload["reason"]) == (
        "RESTORE", "resolved", "resolution rejected")

