""""Give feedback now": the pure rules (domain/open_now.py), and the handler on SQLite with a fake cases and
clock — a scheduled invitation opened once (the delayed send sends nothing more), a skipped one opened for the
volunteer, refusals named, another company's case absent, staff refused, a repeat the same link."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument, NotFound, PermissionDenied, Unavailable
from survey.adapters import events
from survey.domain.fatigue import SkipReason
from survey.domain.invitation import Invitation, InvitationStatus
from survey.domain.open_now import SurveyNotOpenable, already_open, open_now
from survey.handlers import SurveyHandlers
from survey.worker import SurveyWorker

from .fakes import FakeCases
from .test_survey_handlers import HAPPY, SETTINGS, case_event, closed, deliver, outbox

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CASE = "6f1c2a4e-0000-4000-8000-00000000d001"
ACME_CUSTOMER = Principal("alice", Role.CUSTOMER, company_id="acme")
BOREAL_CUSTOMER = Principal("bob", Role.CUSTOMER, company_id="boreal")
NO_COMPANY = Principal("carol", Role.CUSTOMER)


def invitation(status: InvitationStatus = InvitationStatus.SCHEDULED, **more: object) -> Invitation:
    return replace(Invitation(
        id="inv-1", case_id="c1", case_number="EA-1", company_id="acme", region="east", engineer_id="e1",
        category="B", kind="defect", rma=False, closed_at=NOW, contact_name="Li", contact_phone="",
        contact_email="li@example.cn", language="en", questionnaire="case@1", status=status, due_at=NOW + DAY),
        **more)  # type: ignore[arg-type]


def opened(found: Invitation, *, request_id: str = "r1", case_status: str = "closed",
           surveyed: bool = False) -> Invitation:
    return open_now(found, request_id=request_id, case_status=case_status, closing_surveyed=surveyed, now=NOW,
                    link_lifetime=14 * DAY)


# ---- the pure rules --------------------------------------------------------------------------

def test_a_scheduled_invitation_is_sent_now_by_the_request() -> None:
    sent = opened(invitation())
    assert (sent.status, sent.sent_at, sent.expires_at, sent.opened_request_id) == (
        InvitationStatus.SENT, NOW, NOW + 14 * DAY, "r1")
    assert sent.id == "inv-1"  # the same invitation: one survey per closing


@pytest.mark.parametrize("reason", [SkipReason.NOT_SAMPLED, SkipReason.RECENTLY_ASKED, SkipReason.OPTED_OUT,
                                    SkipReason.NO_CONTACT])
def test_a_volunteer_is_not_stopped_by_the_rules_that_spare_people(reason: SkipReason) -> None:
    sent = opened(invitation(InvitationStatus.SKIPPED, skip_reason=reason.value))
    assert (sent.status, sent.skip_reason, sent.opened_request_id) == (InvitationStatus.SENT, None, "r1")


def test_an_invitation_already_out_is_the_answer_as_it_is_whoever_asks() -> None:
    out = invitation(InvitationStatus.SENT, sent_at=NOW - DAY, expires_at=NOW + DAY)
    assert opened(out, request_id="another") == out
    assert already_open(out, "another", NOW)


def test_a_repeat_of_the_request_gets_the_same_invitation_even_once_answered() -> None:
    sent = opened(invitation())
    assert opened(sent) == sent
    answered = sent.answer(NOW)
    assert opened(answered) == answered and already_open(answered, "r1", NOW)
    with pytest.raises(SurveyNotOpenable) as refused:
        opened(answered, request_id="r2")
    assert refused.value.reason == "answered" and "answered" in str(refused.value)


@pytest.mark.parametrize(("found", "case_status", "surveyed", "reason"), [
    (invitation(InvitationStatus.ANSWERED), "closed", False, "answered"),
    (invitation(InvitationStatus.CANCELLED), "reopened", False, "cancelled"),
    (invitation(InvitationStatus.SENT, sent_at=NOW - 20 * DAY, expires_at=NOW - DAY), "closed", False, "expired"),
    (invitation(InvitationStatus.SKIPPED, skip_reason="already_surveyed"), "closed", False, "already_surveyed"),
    (invitation(), "reopened", False, "not_closed"),
    (invitation(InvitationStatus.SKIPPED, skip_reason="not_sampled"), "in_progress", False, "not_closed"),
    (invitation(), "closed", True, "already_surveyed"),
])
def test_what_cannot_be_opened_is_refused_naming_why(found: Invitation, case_status: str, surveyed: bool,
                                                     reason: str) -> None:
    with pytest.raises(SurveyNotOpenable) as refused:
        opened(found, case_status=case_status, surveyed=surveyed)
    assert refused.value.reason == reason


# ---- the handler ------------------------------------------------------------------------------

@pytest.fixture
def parts(database: Database) -> tuple[SurveyHandlers, SurveyWorker, FakeCases]:
    cases = FakeCases()
    cases.add(CASE)
    return SurveyHandlers(database, SETTINGS, cases=cases), SurveyWorker(database, cases, SETTINGS), cases


async def test_giving_feedback_before_the_invitation_sends_nothing_twice(database: Database, clock: FakeClock,
                                                                        parts: tuple) -> None:
    handlers, worker, _ = parts
    await deliver(database, handlers, case_event("closed", closed(clock, CASE), clock))
    first = await handlers.open_case_survey(ACME_CUSTOMER, CASE, "click-1")
    again = await handlers.open_case_survey(ACME_CUSTOMER, CASE, "click-1")
    other_click = await handlers.open_case_survey(ACME_CUSTOMER, CASE, "click-2")
    assert first.status is InvitationStatus.SENT and first.link
    assert again.link == first.link == other_click.link  # one live link for the case

    clock.advance(timedelta(seconds=601))
    await worker.run_once()  # the delayed send: already out, nothing goes
    assert await outbox(database, events.SURVEY_SENT) == []

    token = first.link.rsplit("/", 1)[1]
    await handlers.submit(token, HAPPY)
    repeat = await handlers.open_case_survey(ACME_CUSTOMER, CASE, "click-1")
    assert repeat.status is InvitationStatus.ANSWERED and repeat.answer is not None and repeat.link is None
    with pytest.raises(SurveyNotOpenable, match="answered"):
        await handlers.open_case_survey(ACME_CUSTOMER, CASE, "click-3")


async def test_a_survey_skipped_for_sampling_is_opened_for_the_customer_who_asks(
        database: Database, clock: FakeClock, parts: tuple) -> None:
    handlers, _, cases = parts
    worker = SurveyWorker(database, cases, SETTINGS.model_copy(update={"sampling": 0.0}))
    await deliver(database, handlers, case_event("closed", closed(clock, CASE), clock))
    clock.advance(timedelta(seconds=601))
    await worker.run_once()
    survey = await handlers.open_case_survey(ACME_CUSTOMER, CASE, "r1")
    assert (survey.status, survey.skip_reason) == (InvitationStatus.SENT, None) and survey.link


async def test_others_are_refused_as_getcasesurvey_refuses_them(database: Database, clock: FakeClock,
                                                               parts: tuple) -> None:
    handlers, _, cases = parts
    await deliver(database, handlers, case_event("closed", closed(clock, CASE), clock))
    for outsider in (BOREAL_CUSTOMER, NO_COMPANY):
        with pytest.raises(NotFound) as refused:
            await handlers.open_case_survey(outsider, CASE, "r1")
        assert str(refused.value) == "case survey not found"
    with pytest.raises(NotFound, match="case survey not found"):
        await handlers.open_case_survey(ACME_CUSTOMER, "6f1c2a4e-0000-4000-8000-00000000dfff", "r1")
    with pytest.raises(PermissionDenied):
        await handlers.open_case_survey(Principal("agent-1", Role.AGENT), CASE, "r1")
    with pytest.raises(InvalidArgument, match="request_id"):
        await handlers.open_case_survey(ACME_CUSTOMER, CASE, " ")
    with pytest.raises(InvalidArgument, match="case_id"):
        await handlers.open_case_survey(ACME_CUSTOMER, "nope", "r1")
    cases.down = True
    with pytest.raises(Unavailable):
        await handlers.open_case_survey(ACME_CUSTOMER, CASE, "r1")
    cases.down = False
    cases.cases[CASE] = replace(cases.cases[CASE], status="reopened")  # the reopen event is not here yet
    with pytest.raises(SurveyNotOpenable, match="not closed"):
        await handlers.open_case_survey(ACME_CUSTOMER, CASE, "r1")
