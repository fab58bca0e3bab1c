"""Questionnaires, the unsatisfied rule, link tokens, anti-fatigue, invitations and return visits."""

from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from survey.domain.fatigue import ContactHistory, FatiguePolicy, sampled, skip_reason
from survey.domain.invitation import needs_return_visit
from survey.domain.questionnaire import (
    DEFAULT_CASE_QUESTIONNAIRE,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireCatalog,
    is_unsatisfied,
    parse_answer,
)
from survey.domain.return_visit import Outcome, ReturnVisit, ReturnVisitStatus
from survey.domain.sla_counts import SlaCount, tally
from survey.domain.tokens import TokenRefused, sign, verify

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
FORM = {"overall": "4", "response_speed": "5", "attitude": "5", "resolved": "yes", "comment": " fine "}


def test_an_answer_is_typed_and_the_unsatisfied_rule_reads_rating_and_resolved() -> None:
    answer = parse_answer(DEFAULT_CASE_QUESTIONNAIRE, FORM)
    assert (answer.rating("overall"), answer.flag("resolved"), answer.text("comment")) == (4, True, "fine")
    assert not is_unsatisfied(answer, threshold=2)
    assert is_unsatisfied(parse_answer(DEFAULT_CASE_QUESTIONNAIRE, FORM | {"overall": "2"}), threshold=2)
    assert not is_unsatisfied(parse_answer(DEFAULT_CASE_QUESTIONNAIRE, FORM | {"overall": "3"}), threshold=2)
    assert is_unsatisfied(parse_answer(DEFAULT_CASE_QUESTIONNAIRE, FORM | {"resolved": "no"}), threshold=2)


@pytest.mark.parametrize(("field", "value"), [("overall", "6"), ("overall", "0"), ("overall", "x"),
                                              ("resolved", "maybe"), ("attitude", ""), ("recommend", "11")])
def test_a_bad_field_is_named(field: str, value: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_answer(DEFAULT_CASE_QUESTIONNAIRE, FORM | {field: value})
    assert refused.value.violations[0].field == field


def test_every_wrong_field_is_named_at_once() -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_answer(DEFAULT_CASE_QUESTIONNAIRE, {"overall": "9", "resolved": "yes"})
    assert [(v.field, v.description) for v in refused.value.violations] == [
        ("overall", "must be a whole number from 1 to 5"), ("response_speed", "is required"),
        ("attitude", "is required")]


def test_a_company_gets_its_newest_own_questionnaire_else_the_default() -> None:
    own_v1 = Questionnaire("case", 1, (Question("overall", QuestionKind.RATING, {"en": "How was it?"}),), "acme")
    own_v2 = Questionnaire("case", 2, own_v1.questions, "acme")
    catalog = QuestionnaireCatalog((DEFAULT_CASE_QUESTIONNAIRE, own_v1, own_v2))
    assert catalog.current("case", "acme") is own_v2
    assert catalog.current("case", "other") is DEFAULT_CASE_QUESTIONNAIRE
    assert catalog.by_ref("case@1/acme") is own_v1
    with pytest.raises(InvalidArgument):
        catalog.by_ref("case@9")


def test_a_token_verifies_and_refuses_forgery_editing_and_expiry() -> None:
    token = sign("s3cret", "inv-1", NOW + timedelta(days=7))
    assert verify("s3cret", token, NOW).invitation_id == "inv-1"
    refusals = []
    for bad, secret, now in [(token, "other", NOW), (token[:-2] + "AA", "s3cret", NOW), ("junk", "s3cret", NOW),
                             (token.replace(token.split(".")[1], str(int(token.split(".")[1]) + 99)), "s3cret", NOW),
                             (token, "s3cret", NOW + timedelta(days=7))]:
        with pytest.raises(TokenRefused) as refused:
            verify(secret, bad, now)
        refusals.append(refused.value.reason)
    assert refusals == ["forged", "forged", "forged", "forged", "expired"]


def history(**overrides: object) -> ContactHistory:
    return ContactHistory(**({"case_already_surveyed": False, "opted_out": False, "last_invited_at": None}
                             | overrides))  # type: ignore[arg-type]


def test_anti_fatigue() -> None:
    policy = FatiguePolicy(repeat_interval=timedelta(days=30), company_sampling=(("rare", 0.0),))
    args = {"case_id": "c1", "company_id": "A", "has_contact": True, "now": NOW}
    assert skip_reason(policy, history(), **args) is None  # type: ignore[arg-type]
    assert skip_reason(policy, history(case_already_surveyed=True), **args) == "already_surveyed"  # type: ignore[arg-type]
    assert skip_reason(policy, history(opted_out=True), **args) == "opted_out"  # type: ignore[arg-type]
    assert skip_reason(policy, history(last_invited_at=NOW - timedelta(days=29)), **args) == "recently_asked"  # type: ignore[arg-type]
    assert skip_reason(policy, history(last_invited_at=NOW - timedelta(days=30)), **args) is None  # type: ignore[arg-type]
    assert skip_reason(policy, history(), **(args | {"company_id": "rare"})) == "not_sampled"  # type: ignore[arg-type]
    assert skip_reason(policy, history(), **(args | {"has_contact": False})) == "no_contact"  # type: ignore[arg-type]


def test_sampling_is_stable_per_case_and_near_its_rate() -> None:
    drawn = [sampled(f"case-{n}", 0.3) for n in range(2000)]
    assert drawn == [sampled(f"case-{n}", 0.3) for n in range(2000)]
    assert 500 < sum(drawn) < 700  # 30 % of 2000 = 600


def test_repairs_get_a_return_visit() -> None:
    assert needs_return_visit("defect", rma=True, had_field_visit=False)
    assert needs_return_visit("defect", rma=False, had_field_visit=True)
    assert not needs_return_visit("defect", rma=False, had_field_visit=False)
    assert not needs_return_visit("consultation", rma=True, had_field_visit=True)


def test_an_unreachable_customer_is_called_again_on_the_schedule_then_given_up() -> None:
    visit = ReturnVisit("rv", "c1", "N1", "A", "e1", "repair", ReturnVisitStatus.OPEN, NOW)
    visit = visit.record(Outcome(reached=False), NOW)
    assert (visit.status, visit.attempts, visit.due_at) == (ReturnVisitStatus.OPEN, 1, NOW + timedelta(hours=4))
    visit = visit.record(Outcome(reached=False), NOW)
    assert visit.due_at == NOW + timedelta(days=1)
    visit = visit.record(Outcome(reached=False), NOW).record(Outcome(reached=False), NOW)
    assert (visit.status, visit.attempts) == (ReturnVisitStatus.UNREACHABLE, 4)
    with pytest.raises(FailedPrecondition):
        visit.record(Outcome(reached=True, satisfaction=5), NOW)


def test_a_reached_call_needs_a_satisfaction() -> None:
    visit = ReturnVisit("rv", "c1", "N1", "A", "e1", "repair", ReturnVisitStatus.OPEN, NOW)
    with pytest.raises(InvalidArgument):
        visit.record(Outcome(reached=True), NOW)
    done = visit.record(Outcome(reached=True, satisfaction=4, comments="ok", follow_up=True), NOW)
    assert (done.status, done.outcome.follow_up) == (ReturnVisitStatus.DONE, True)  # type: ignore[union-attr]


def test_a_window_of_sla_verdicts_is_summed_per_case_in_first_seen_order() -> None:
    counts = [SlaCount("c2", breaches=1), SlaCount("c1", met=1), SlaCount("c2", breaches=-1), SlaCount("c2", met=1),
              SlaCount("c3", breaches=1)]
    assert tally(counts) == [SlaCount("c2", 0, 1), SlaCount("c1", 0, 1), SlaCount("c3", 1, 0)]
    assert tally([]) == []
