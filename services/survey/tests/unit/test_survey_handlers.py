"""survey's handlers and worker on SQLite with a fake clock and cases in memory: no network, no waiting."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import AlreadyExists, InvalidArgument
from aftercare_platform.service.assemble import platform_tables_of
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select
from survey.adapters import events
from survey.adapters.tables import case_facts
from survey.bootstrap import definition
from survey.domain.return_visit import Outcome
from survey.domain.statistics import Dimension
from survey.domain.tokens import sign, verify
from survey.entrypoints.consumers import subscriptions
from survey.handlers import LinkRefused, SurveyHandlers, stable_id
from survey.reads import SurveyReads
from survey.settings import SurveySettings
from survey.worker import SurveyWorker

from .fakes import FakeCases

SETTINGS = SurveySettings(invitation_delay_seconds=600, survey_link_secret="unit-secret",
                          public_base_url="https://survey.example.cn")
UNHAPPY = {"overall": "2", "response_speed": "3", "attitude": "4", "resolved": "no", "comment": "still broken"}
HAPPY = {"overall": "5", "response_speed": "5", "attitude": "5", "resolved": "yes"}


async def outbox(database: Database, event_type: str | None = None) -> list[dict]:
    table = platform_tables_of(definition).outbox
    async with database.engine.connect() as connection:
        rows = [row.envelope for row in await connection.execute(select(table).order_by(table.c.id))]
    return [row for row in rows if event_type is None or row["type"] == event_type]


def case_event(verb: str, message: object, clock: FakeClock) -> CloudEvent:
    return CloudEvent(type=f"aftercare.case.{verb}.v1", source="/services/cases", subject="c1", region="east",
                      data=payload_to_dict(message), time=clock.now())  # type: ignore[arg-type]


def closed(clock: FakeClock, case_id: str = "c1", *, rma: bool = False) -> case_events.CaseClosed:
    stamp = Timestamp()
    stamp.FromDatetime(clock.now())
    return case_events.CaseClosed(case_id=case_id, case_number=f"EA-{case_id}", region="east", company_id="acme",
                                  assignee_id="eng-1", category=cases_pb.CATEGORY_B, kind=cases_pb.CASE_KIND_DEFECT,
                                  rma=rma, status=cases_pb.CASE_STATUS_CLOSED, occurred_at=stamp)


async def deliver(database: Database, handlers: SurveyHandlers, event: CloudEvent) -> None:
    """As the platform's consumer does: the inbox claim and the handler in one unit of work."""
    [subscription] = [s for s in subscriptions(handlers) if s.queue == "survey.cases"]
    async with database.unit_of_work() as uow:
        if await uow.claim_inbox(subscription.queue, event):
            await subscription.handler(event, uow)


@pytest.fixture
def cases() -> FakeCases:
    fake = FakeCases()
    fake.add("c1")
    return fake


@pytest.fixture
def parts(database: Database, cases: FakeCases) -> tuple[SurveyHandlers, SurveyWorker, SurveyReads]:
    return SurveyHandlers(database, SETTINGS), SurveyWorker(database, cases, SETTINGS), SurveyReads(database)


async def sent_token(database: Database, handlers: SurveyHandlers, worker: SurveyWorker, clock: FakeClock,
                     case_id: str = "c1") -> str:
    await deliver(database, handlers, case_event("closed", closed(clock, case_id), clock))
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    sent = [e for e in await outbox(database, events.SURVEY_SENT) if e["subject"] == case_id]
    return urlparse(sent[-1]["data"]["link"]).path.removeprefix("/s/")


async def test_a_closed_case_gets_one_invitation_after_the_delay(database: Database, clock: FakeClock,
                                                                 parts: tuple) -> None:
    handlers, worker, _ = parts
    event = case_event("closed", closed(clock), clock)
    await deliver(database, handlers, event)
    await deliver(database, handlers, event)  # redelivered
    await worker.run_once()
    assert await outbox(database, events.SURVEY_SENT) == []  # not yet due
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    await worker.run_once()
    [sent] = await outbox(database, events.SURVEY_SENT)
    payload = json_format.ParseDict(sent["data"], pb.SurveySent())
    assert (payload.case_id, payload.contact_email, payload.contact_name, payload.language) == (
        "c1", "li@example.cn", "Li Lei", "zh-CN")
    assert payload.link.startswith("https://survey.example.cn/s/")
    token = payload.link.rsplit("/", 1)[1]
    assert verify("unit-secret", token, clock.now()).invitation_id == payload.invitation_id
    form = await handlers.open_form(token)
    assert (form.answered, form.questionnaire.ref) == (False, "case@1")


async def test_a_reopen_before_the_delay_cancels_the_invitation(database: Database, clock: FakeClock,
                                                                parts: tuple) -> None:
    handlers, worker, reads = parts
    await deliver(database, handlers, case_event("closed", closed(clock), clock))
    await deliver(database, handlers, case_event("reopened", case_events.CaseReopened(case_id="c1"), clock))
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    assert await outbox(database, events.SURVEY_SENT) == []
    [row] = await reads.invitations_of("c1")
    assert row.status == "cancelled"


async def test_a_case_found_reopened_at_sending_time_is_not_surveyed(database: Database, clock: FakeClock,
                                                                     cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    await deliver(database, handlers, case_event("closed", closed(clock), clock))
    cases.add("c1", status="reopened", reopen_count=1)  # the reopened event has not arrived yet
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    assert await outbox(database, events.SURVEY_SENT) == []
    assert [row.status for row in await reads.invitations_of("c1")] == ["cancelled"]


async def test_while_cases_is_down_the_invitation_waits_and_then_goes(database: Database, clock: FakeClock,
                                                                      cases: FakeCases, parts: tuple) -> None:
    handlers, worker, _ = parts
    await deliver(database, handlers, case_event("closed", closed(clock), clock))
    clock.advance(timedelta(seconds=601))
    cases.down = True
    await worker.run_once()
    assert await outbox(database, events.SURVEY_SENT) == []
    cases.down = False
    await worker.run_once()
    assert await outbox(database, events.SURVEY_SENT) == []  # backing off
    clock.advance(timedelta(seconds=5))
    await worker.run_once()
    assert len(await outbox(database, events.SURVEY_SENT)) == 1


async def test_unsatisfied_reopens_the_case_once_however_often_it_is_sent(database: Database, clock: FakeClock,
                                                                         cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    token = await sent_token(database, handlers, worker, clock)
    _, unsatisfied = await handlers.submit(token, UNHAPPY)
    assert unsatisfied
    with pytest.raises(LinkRefused) as again:
        await handlers.submit(token, UNHAPPY)
    assert again.value.reason == "answered"
    await worker.run_once()
    await worker.run_once()
    assert cases.reopens == [("c1", "Customer survey: unsatisfied (overall 2/5, not resolved): still broken")]
    [unhappy] = await outbox(database, events.SURVEY_UNSATISFIED)
    assert json_format.ParseDict(unhappy["data"], pb.SurveyUnsatisfied()).comment == "still broken"
    assert len(await outbox(database, events.SURVEY_COMPLETED)) == 1
    [visit] = await reads.return_visits(None)
    assert (visit.reason, visit.status.value, visit.case_id) == ("unsatisfied", "open", "c1")
    assert {row.kind: row.status for row in await reads.calls_of("c1")} == {"reopen": "done", "note": "done"}
    assert (await handlers.open_form(token)).answered


async def test_a_reopen_repeated_after_a_lost_answer_does_not_reopen_twice(database: Database, clock: FakeClock,
                                                                          cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    token = await sent_token(database, handlers, worker, clock)
    await handlers.submit(token, UNHAPPY)
    [call] = [row for row in await reads.calls_of("c1") if row.kind == "reopen"]
    # the worker's first try reached cases, but its outcome was never written: the retry sends the same id
    await cases.reopen("c1", "the worker's first try", request_id=call.payload["request_id"])
    await worker.run_once()
    assert len(cases.reopens) == 1


async def test_a_reopen_carries_a_request_id_a_repeat_computes_again(database: Database, clock: FakeClock,
                                                                     cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    token = await sent_token(database, handlers, worker, clock)
    await handlers.submit(token, UNHAPPY)
    [call] = [row for row in await reads.calls_of("c1") if row.kind == "reopen"]
    await worker.run_once()
    assert cases.reopen_request_ids == [call.payload["request_id"]]
    assert call.payload["request_id"] == stable_id("survey-reopen", call.id.removeprefix("reopen:"))


async def test_a_satisfied_answer_reopens_nothing_and_notes_the_timeline(database: Database, clock: FakeClock,
                                                                        cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    token = await sent_token(database, handlers, worker, clock)
    assert (await handlers.submit(token, HAPPY))[1] is False
    await worker.run_once()
    assert cases.reopens == [] and await outbox(database, events.SURVEY_UNSATISFIED) == []
    [(case_id, text, internal)] = cases.notes.values()
    assert (case_id, internal) == ("c1", False)
    assert text.startswith("Survey answered: overall 5/5")
    [by_engineer] = await reads.statistics(None, Dimension.ENGINEER)
    assert (by_engineer.key, by_engineer.sent, by_engineer.answered, by_engineer.csat) == ("eng-1", 1, 1, 1.0)


async def test_a_bad_answer_names_the_field_and_records_nothing(database: Database, clock: FakeClock,
                                                               parts: tuple) -> None:
    handlers, worker, _ = parts
    token = await sent_token(database, handlers, worker, clock)
    with pytest.raises(InvalidArgument) as refused:
        await handlers.submit(token, HAPPY | {"overall": "9"})
    assert refused.value.violations[0].field == "overall"
    assert not (await handlers.open_form(token)).answered


async def test_forged_expired_and_unknown_links_are_refused(database: Database, clock: FakeClock,
                                                           parts: tuple) -> None:
    handlers, worker, _ = parts
    token = await sent_token(database, handlers, worker, clock)
    reasons = []
    for bad in (token[:-3] + "xyz", sign("unit-secret", "no-such-invitation", clock.now() + timedelta(days=1)),
                sign("other-secret", "x", clock.now() + timedelta(days=1))):
        with pytest.raises(LinkRefused) as refused:
            await handlers.open_form(bad)
        reasons.append(refused.value.reason)
    clock.advance(timedelta(days=14))
    with pytest.raises(LinkRefused) as expired:
        await handlers.submit(token, HAPPY)
    assert [*reasons, expired.value.reason] == ["forged", "unknown", "forged", "expired"]


async def test_opted_out_and_recently_asked_contacts_are_not_asked(database: Database, clock: FakeClock,
                                                                  cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    token = await sent_token(database, handlers, worker, clock)
    cases.add("c2")
    cases.add("c3", email="wang@example.cn")
    await deliver(database, handlers, case_event("closed", closed(clock, "c2"), clock))
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    assert [r.skip_reason for r in await reads.invitations_of("c2")] == ["recently_asked"]
    await handlers.opt_out(token)
    clock.advance(timedelta(days=31))
    cases.add("c4")
    await deliver(database, handlers, case_event("closed", closed(clock, "c4"), clock))
    await deliver(database, handlers, case_event("closed", closed(clock, "c3"), clock))
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    assert [r.skip_reason for r in await reads.invitations_of("c4")] == ["opted_out"]
    assert [r.status for r in await reads.invitations_of("c3")] == ["sent"]


async def test_a_complaint_from_the_page_is_filed_once(database: Database, clock: FakeClock, cases: FakeCases,
                                                      parts: tuple) -> None:
    handlers, worker, _ = parts
    token = await sent_token(database, handlers, worker, clock)
    await handlers.submit(token, UNHAPPY)
    await handlers.complain(token, "engineer", "rude on the phone")
    with pytest.raises(LinkRefused):
        await handlers.complain(token, "engineer", "rude on the phone")
    await worker.run_once()
    await worker.run_once()
    assert cases.complaints == [("c1", "acme", "engineer", "rude on the phone")]


async def test_an_on_site_visit_makes_a_repair_and_a_company_may_read_english(database: Database, clock: FakeClock,
                                                                              cases: FakeCases) -> None:
    settings = SETTINGS.model_copy(update={"company_languages": {"acme": "en"}})
    handlers, worker, reads = SurveyHandlers(database, settings), SurveyWorker(database, cases, settings), \
        SurveyReads(database)
    visit = case_events.CaseActivityRecorded(case_id="c1", activity=cases_pb.Activity(
        kind=cases_pb.ACTIVITY_KIND_ON_SITE_VISIT, summary="replaced the PSU", site="Gate 3"))
    await deliver(database, handlers, case_event("activity_recorded", visit, clock))
    await deliver(database, handlers, case_event("closed", closed(clock), clock))
    assert [v.reason for v in await reads.return_visits(None)] == ["repair"]
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    [sent] = await outbox(database, events.SURVEY_SENT)
    assert sent["data"]["language"] == "en"


async def test_a_repair_gets_a_return_visit_retried_until_reached(database: Database, clock: FakeClock,
                                                                 cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    event = case_event("closed", closed(clock, rma=True), clock)
    await deliver(database, handlers, event)
    await deliver(database, handlers, event)
    [visit] = await reads.return_visits(None, "open")
    assert visit.reason == "repair"
    missed = await handlers.record_return_visit(visit.id, Outcome(reached=False), "agent-7")
    assert (missed.status.value, missed.attempts, missed.due_at) == ("open", 1, clock.now() + timedelta(hours=4))
    done = await handlers.record_return_visit(visit.id, Outcome(True, 4, "works now", True), "agent-7")
    assert (done.status.value, done.attempts) == ("done", 2)
    recorded = await outbox(database, events.RETURN_VISIT_RECORDED)
    assert [json_format.ParseDict(e["data"], pb.ReturnVisitRecorded()).status for e in recorded] == ["open", "done"]
    await worker.run_once()
    texts = sorted(text for _, text, internal in cases.notes.values() if internal)
    assert texts == ["Return visit by agent-7: reached, satisfaction 4/5, follow-up needed: works now",
                     "Return visit call 1 by agent-7: customer not reached (open)"]


async def test_a_half_yearly_campaign_asks_every_contact_once_reminds_the_silent_and_counts(
        database: Database, clock: FakeClock, cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    cases.add("c2", email="wang@example.cn")
    cases.add("c3", email="zhao@example.cn")
    first = await sent_token(database, handlers, worker, clock)  # li@example.cn
    await sent_token(database, handlers, worker, clock, "c2")
    await sent_token(database, handlers, worker, clock, "c3")
    await handlers.opt_out(first)  # li is never asked again
    campaign_id, asked = await handlers.start_campaign("2026-H2", "boss-1")
    with pytest.raises(AlreadyExists):
        await handlers.start_campaign("2026-H2", "boss-1")
    with pytest.raises(InvalidArgument):
        await handlers.start_campaign("2026-Q3", "boss-1")
    campaign_sent = [json_format.ParseDict(e["data"], pb.SurveySent())
                     for e in await outbox(database, events.SURVEY_SENT) if e["data"].get("campaignId")]
    assert asked == 2
    assert sorted(s.contact_email for s in campaign_sent) == ["wang@example.cn", "zhao@example.cn"]
    wang = next(s for s in campaign_sent if s.contact_email == "wang@example.cn")
    form = await handlers.open_form(wang.link.rsplit("/", 1)[1])
    assert form.questionnaire.key == "half_yearly"
    _, unsatisfied = await handlers.submit(wang.link.rsplit("/", 1)[1], UNHAPPY)
    assert unsatisfied
    clock.advance(timedelta(days=14))
    await worker.run_once()
    await worker.run_once()
    reminders = [e for e in await outbox(database, events.SURVEY_SENT) if e["data"].get("reminder")]
    assert [r["data"]["contactEmail"] for r in reminders] == ["zhao@example.cn"]
    [figures] = await reads.campaigns()
    assert (figures.campaign_id, figures.period, figures.sent, figures.answered, figures.response_rate) == (
        campaign_id, "2026-H2", 2, 1, 0.5)
    assert cases.reopens == []  # a campaign is about the service in general: nothing to reopen
    assert [s.key for s in await reads.statistics(None, Dimension.COMPANY)] == ["acme"]
    assert sum(s.sent for s in await reads.statistics(None, Dimension.COMPANY)) == 3  # the case surveys only


async def test_sla_and_reopen_facts_feed_the_engineer_assessment(database: Database, clock: FakeClock,
                                                                cases: FakeCases, parts: tuple) -> None:
    handlers, worker, reads = parts
    token = await sent_token(database, handlers, worker, clock)
    await handlers.submit(token, HAPPY)
    [sla] = [s for s in subscriptions(handlers) if s.queue == "survey.sla"]
    facts = [("breached", sla_events.SlaBreached(case_id="c1")), ("met", sla_events.SlaMet(case_id="c1")),
             ("breached", sla_events.SlaBreached(case_id="c2")), ("breach_withdrawn",
                                                                   sla_events.SlaBreachWithdrawn(case_id="c2"))]
    window = [CloudEvent(type=f"aftercare.sla.{verb}.v1", source="/services/sla-timer", subject=message.case_id,
                         region="east", data=payload_to_dict(message)) for verb, message in facts]
    for _ in range(2):  # the window redelivered: counted once
        async with database.unit_of_work() as uow:
            fresh = [event for event in window if await uow.claim_inbox(sla.queue, event)]
            if fresh:
                assert sla.window_handler is not None
                await sla.window_handler(fresh, uow)
    async with database.engine.connect() as connection:
        counters = {row.case_id: (row.sla_breaches, row.sla_met) for row in await connection.execute(
            select(case_facts))}
    assert (counters["c1"], counters["c2"]) == ((1, 1), (0, 0))
    await deliver(database, handlers, case_event("reopened", case_events.CaseReopened(case_id="c1"), clock))
    [engineer] = await reads.assessment(None)
    # csat 1 (rating 5); one clock breached -> SLA 0; reopened -> reopen rate 1, first-time fix 0
    figures = (engineer.csat, engineer.sla_attainment, engineer.reopen_rate, engineer.first_time_fix)
    assert figures == (1.0, 0.0, 1.0, 0.0)
    assert engineer.score == 40.0  # 100 * 0.4 * 1
