"""A case's survey as each caller sees it (`SurveyReads.case_survey`), on SQLite with a fake clock: the
state through the invitation's life, the link only for a customer of the case's company while it can
answer, another company's case exactly like one never heard of, bad ids named."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument, NotFound
from survey.adapters import events
from survey.domain.fatigue import SkipReason
from survey.domain.invitation import InvitationStatus
from survey.entrypoints.case_survey_messages import case_survey_body, case_survey_message
from survey.handlers import SurveyHandlers
from survey.reads import LinkSigner, SurveyReads
from survey.worker import SurveyWorker

from .fakes import FakeCases
from .test_survey_handlers import SETTINGS, case_event, closed, deliver, outbox

CASE = "6f1c2a4e-0000-4000-8000-00000000c001"
OTHER = "6f1c2a4e-0000-4000-8000-00000000c002"
ACME_CUSTOMER = Principal("alice", Role.CUSTOMER, company_id="acme")
BOREAL_CUSTOMER = Principal("bob", Role.CUSTOMER, company_id="boreal")
AGENT = Principal("agent-1", Role.AGENT)
WEST_AGENT = Principal("agent-w", Role.AGENT, regions=frozenset({"west"}))


@pytest.fixture
def parts(database: Database) -> tuple[SurveyHandlers, SurveyWorker, SurveyReads, FakeCases]:
    cases = FakeCases()
    cases.add(CASE)
    cases.add(OTHER)
    reads = SurveyReads(database, links=LinkSigner(SETTINGS.survey_link_secret, SETTINGS.public_base_url))
    return SurveyHandlers(database, SETTINGS), SurveyWorker(database, cases, SETTINGS), reads, cases


async def close_and_send(database: Database, handlers: SurveyHandlers, worker: SurveyWorker, clock: FakeClock,
                         case_id: str = CASE) -> str:
    """The case closes, the delay passes, the worker sends: the link the invitation carried."""
    await deliver(database, handlers, case_event("closed", closed(clock, case_id), clock))
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    [sent] = [e for e in await outbox(database, events.SURVEY_SENT) if e["subject"] == case_id]
    return str(sent["data"]["link"])


async def test_the_customer_of_the_case_gets_the_invitations_own_link_until_it_answers(
        database: Database, clock: FakeClock, parts: tuple) -> None:
    handlers, worker, reads, _ = parts
    await deliver(database, handlers, case_event("closed", closed(clock, CASE), clock))
    scheduled = await reads.case_survey(ACME_CUSTOMER, CASE)
    assert (scheduled.status, scheduled.link, scheduled.answer) == (InvitationStatus.SCHEDULED, None, None)

    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    [sent] = await outbox(database, events.SURVEY_SENT)
    survey = await reads.case_survey(ACME_CUSTOMER, CASE.upper())  # any case of a UUID is the same id
    assert (survey.status, survey.expired, survey.case_number) == (InvitationStatus.SENT, False, f"EA-{CASE}")
    assert survey.link == sent["data"]["link"]  # the same signed link, not a second token
    assert (await handlers.open_form(urlparse(survey.link).path.removeprefix("/s/"))).answered is False

    staff_view = await reads.case_survey(AGENT, CASE)
    assert (staff_view.status, staff_view.link) == (InvitationStatus.SENT, None)  # staff never answer for it

    await handlers.submit(urlparse(survey.link).path.removeprefix("/s/"),
                          {"overall": "4", "response_speed": "5", "attitude": "5", "resolved": "yes",
                           "comment": "quick and clean"})
    answered = await reads.case_survey(ACME_CUSTOMER, CASE)
    assert (answered.status, answered.link) == (InvitationStatus.ANSWERED, None)
    assert answered.answer is not None
    assert (answered.answer.overall, answered.answer.resolved, answered.answer.comment, answered.answer.unsatisfied,
            answered.answer.answered_at) == (4, True, "quick and clean", False, clock.now())


async def test_another_companys_case_is_not_found_exactly_like_an_unknown_one(
        database: Database, clock: FakeClock, parts: tuple) -> None:
    handlers, worker, reads, _ = parts
    await close_and_send(database, handlers, worker, clock)
    refusals = []
    for viewer, case_id in ((BOREAL_CUSTOMER, CASE), (WEST_AGENT, CASE), (ACME_CUSTOMER, OTHER),
                            (Principal("nobody", Role.CUSTOMER), CASE)):
        with pytest.raises(NotFound) as refused:
            await reads.case_survey(viewer, case_id)
        refusals.append(str(refused.value))
    assert set(refusals) == {"case survey not found"}


async def test_an_expired_link_is_not_handed_out(database: Database, clock: FakeClock, parts: tuple) -> None:
    handlers, worker, reads, _ = parts
    await close_and_send(database, handlers, worker, clock)
    clock.advance(timedelta(days=SETTINGS.link_lifetime_days, seconds=1))
    survey = await reads.case_survey(ACME_CUSTOMER, CASE)
    assert (survey.status, survey.expired, survey.link) == (InvitationStatus.SENT, True, None)
    assert case_survey_body(survey).model_dump(mode="json")["status"] == "sent"


async def test_no_survey_says_why(database: Database, clock: FakeClock, parts: tuple) -> None:
    handlers, worker, reads, cases = parts
    # reopened before the delay: cancelled
    await deliver(database, handlers, case_event("closed", closed(clock, CASE), clock))
    await deliver(database, handlers, case_event("reopened", case_events.CaseReopened(case_id=CASE), clock))
    cancelled = await reads.case_survey(ACME_CUSTOMER, CASE)
    assert (cancelled.status, cancelled.skip_reason, cancelled.link) == (InvitationStatus.CANCELLED, None, None)
    # a contact without phone or e-mail: skipped, with the reason in its one spelling on both wires
    cases.add(OTHER, email="")
    await deliver(database, handlers, case_event("closed", closed(clock, OTHER), clock))
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    skipped = await reads.case_survey(ACME_CUSTOMER, OTHER)
    assert (skipped.status, skipped.skip_reason, skipped.link) == (InvitationStatus.SKIPPED,
                                                                    SkipReason.NO_CONTACT, None)
    message = case_survey_message(skipped)
    assert (message.status, message.skip_reason) == (pb.INVITATION_STATUS_SKIPPED, pb.SKIP_REASON_NO_CONTACT)
    body = case_survey_body(skipped).model_dump(mode="json")
    assert (body["status"], body["skip_reason"], body["link"]) == ("skipped", "no_contact", None)


async def test_the_latest_closing_is_the_one_shown(database: Database, clock: FakeClock, parts: tuple) -> None:
    handlers, worker, reads, _ = parts
    await deliver(database, handlers, case_event("closed", closed(clock, CASE), clock))
    await deliver(database, handlers, case_event("reopened", case_events.CaseReopened(case_id=CASE), clock))
    clock.advance(timedelta(hours=1))
    link = await close_and_send(database, handlers, worker, clock)
    survey = await reads.case_survey(ACME_CUSTOMER, CASE)
    assert (survey.status, survey.link) == (InvitationStatus.SENT, link)


@pytest.mark.parametrize("bad", ["", "c1", "not-a-uuid", CASE[:-1] + "\x00", "x" * 5000])
async def test_a_bad_case_id_is_invalid_argument_naming_the_field(database: Database, parts: tuple,
                                                                   bad: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await parts[2].case_survey(ACME_CUSTOMER, bad)
    assert [v.field for v in refused.value.violations] == ["case_id"]
