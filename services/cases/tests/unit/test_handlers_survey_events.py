"""cases' consumer of survey's invitation and unsatisfied answer, on SQLite: one internal entry each however
often delivered; a campaign's invitation (no case) is skipped."""

from __future__ import annotations

from aftercare.survey.v1 import survey_pb2
from aftercare_platform.bus.envelope import payload_to_dict
from cases.domain.references import CaseRef
from cases.domain.vocabulary import Visibility
from cases.entrypoints.survey_events import survey_events

from .conftest import CasesBench, new_case_report


async def test_the_invitation_and_the_unsatisfied_answer_are_internal_entries_once(cases: CasesBench, people) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-1", new_case_report())).case
    subscription = survey_events(cases.handlers)
    sent = cases.bench.event("aftercare.survey.sent.v1", subject=case.id, source="/services/survey",
                             data=payload_to_dict(survey_pb2.SurveySent(
                                 invitation_id="inv-1", case_id=case.id, contact_name="Li Lei", language="en",
                                 link="https://s.example/s/secret")))
    unhappy = cases.bench.event("aftercare.survey.unsatisfied.v1", subject=case.id, source="/services/survey",
                                data=payload_to_dict(survey_pb2.SurveyUnsatisfied(
                                    invitation_id="inv-1", case_id=case.id, overall=2, comment="still dark")))
    assert await cases.bench.deliver(subscription, sent)
    assert not await cases.bench.deliver(subscription, sent), "a redelivery is absorbed by the inbox"
    assert await cases.bench.deliver(subscription, unhappy)
    page = await cases.reads.timeline(people.agent, CaseRef(case_id=case.id), after=0, page_size=50)
    facts = [e for e in page.entries if e.kind.startswith("survey.")]
    assert [e.kind for e in facts] == ["survey.sent", "survey.unsatisfied"]
    assert all(e.visibility is Visibility.INTERNAL and e.actor["subject_id"] == "service:survey" for e in facts)
    assert "link" not in facts[0].payload  # the single-use link is the customer's, not the desk's
    assert (facts[1].payload["overall"], facts[1].payload["comment"]) == (2, "still dark")
    customer_page = await cases.reads.timeline(people.customer, CaseRef(case_id=case.id), after=0, page_size=50)
    assert not [e for e in customer_page.entries if e.kind.startswith("survey.")]


async def test_a_campaigns_invitation_names_no_case_and_is_skipped(cases: CasesBench) -> None:
    campaign = cases.bench.event("aftercare.survey.sent.v1", subject="inv-9", source="/services/survey",
                                 data=payload_to_dict(survey_pb2.SurveySent(invitation_id="inv-9", campaign_id="c")))
    assert await cases.bench.deliver(survey_events(cases.handlers), campaign)
