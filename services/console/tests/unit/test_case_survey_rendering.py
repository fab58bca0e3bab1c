"""The case page's satisfaction survey (survey's GetCaseSurvey), shaped and rendered in en and zh-CN:
the link while the customer may answer, the answer once answered, a plain statement otherwise;
nothing left untranslated, no short form shown raw."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aftercare.survey.v1 import survey_pb2 as pb
from console.domain.i18n import TEXT
from console.entrypoints.case_survey import survey_view
from console.entrypoints.web import _env

LINK = "https://survey.example.cn/s/abc.123.sig"


def render(lang: str, survey: dict[str, Any], *, customer: bool = True, errors: dict | None = None) -> str:
    return _env.get_template("case_survey.html").render(
        t=TEXT[lang], lang=lang, iso=lambda d: d.isoformat(), survey=survey,
        viewer=SimpleNamespace(is_customer=customer), errors=errors or {}, csrf="csrf-1",
        new_request_id=lambda: "req-1", case={"number": "EA-20261121-000042", "id": "c-1"})


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_customer_may_give_feedback_now_while_scheduled_or_skipped_for_its_peace(lang: str) -> None:
    """A form (CSRF, request id) to survey's "give feedback now"; not to staff, not once it cannot be opened."""
    now = TEXT[lang]["case_survey_give_feedback_now"]
    for found in (pb.CaseSurvey(status=pb.INVITATION_STATUS_SCHEDULED),
                  pb.CaseSurvey(status=pb.INVITATION_STATUS_SKIPPED, skip_reason=pb.SKIP_REASON_NOT_SAMPLED),
                  pb.CaseSurvey(status=pb.INVITATION_STATUS_SKIPPED, skip_reason=pb.SKIP_REASON_RECENTLY_ASKED)):
        page = render(lang, survey_view(found, customer=True))
        assert 'action="/cases/EA-20261121-000042/survey/open"' in page and now in page
        assert 'name="csrf" value="csrf-1"' in page and 'name="request_id" value="req-1"' in page
        assert now not in render(lang, survey_view(found, customer=False), customer=False)
    for found in (pb.CaseSurvey(status=pb.INVITATION_STATUS_CANCELLED),
                  pb.CaseSurvey(status=pb.INVITATION_STATUS_SKIPPED, skip_reason=pb.SKIP_REASON_ALREADY_SURVEYED),
                  pb.CaseSurvey(status=pb.INVITATION_STATUS_SENT, link=LINK), answered()):
        assert now not in render(lang, survey_view(found, customer=True))


def answered() -> pb.CaseSurvey:
    found = pb.CaseSurvey(case_id="c-1", status=pb.INVITATION_STATUS_ANSWERED)
    found.answer.overall, found.answer.resolved, found.answer.comment = 2, False, "still flickers"
    found.answer.answered_time.FromDatetime(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    return found


def test_the_view_carries_short_forms_and_only_http_links() -> None:
    sent = survey_view(pb.CaseSurvey(status=pb.INVITATION_STATUS_SENT, link=LINK))
    assert (sent["status"], sent["link"], sent["answer"]) == ("sent", LINK, None)
    assert survey_view(pb.CaseSurvey(status=pb.INVITATION_STATUS_SENT, link="javascript:alert(1)"))["link"] == ""
    skipped = survey_view(pb.CaseSurvey(status=pb.INVITATION_STATUS_SKIPPED, skip_reason=pb.SKIP_REASON_OPTED_OUT))
    assert (skipped["status"], skipped["skip_reason"]) == ("skipped", "opted_out")
    answer = survey_view(answered())["answer"]
    assert (answer["overall"], answer["resolved"], answer["comment"], answer["answered_at"]) == (
        2, False, "still flickers", datetime(2026, 12, 3, 9, 0, tzinfo=UTC))


@pytest.mark.parametrize(("lang", "give", "resolved_no"),
                         [("en", "Give feedback", "no"), ("zh-CN", "填写满意度调查", "否")])
def test_a_pending_survey_links_to_the_form_and_an_answered_one_shows_the_answer(lang: str, give: str,
                                                                                 resolved_no: str) -> None:
    pending = render(lang, survey_view(pb.CaseSurvey(status=pb.INVITATION_STATUS_SENT, link=LINK)))
    assert f'href="{LINK}?lang={lang}"' in pending and give in pending
    page = render(lang, survey_view(answered()))
    assert 'id="survey-overall">2 / 5<' in page and f'id="survey-resolved">{resolved_no}<' in page
    assert "still flickers" in page and ">2026-12-03</time>" in page and "href" not in page
    assert TEXT[lang]["case_survey_your_answer"] in page
    assert TEXT[lang]["case_survey_answered"] in html.unescape(render(lang, survey_view(answered()), customer=False))


STATEMENTS = {
    "scheduled": {"status": "scheduled"},
    "cancelled": {"status": "cancelled"},
    "opted out": {"status": "skipped", "skip_reason": "opted_out"},
    "not sampled": {"status": "skipped", "skip_reason": "not_sampled"},
    "expired": {"status": "sent", "expired": True, "link": ""},
    "sent, seen by staff": {"status": "sent", "expired": False, "link": ""},
    "none": {"status": "none"},
    "unavailable": {"status": "unavailable"},
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_other_state_is_a_plain_statement_in_the_pages_language(lang: str) -> None:
    other = "zh-CN" if lang == "en" else "en"
    said = set()
    for state, survey in STATEMENTS.items():
        page = render(lang, survey)
        text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
        statement = text.removeprefix(TEXT[lang]["case_survey"]).strip()
        assert statement and "href" not in page, state
        assert statement not in TEXT[other].values(), state
        for raw in ("opted_out", "not_sampled", "skipped", "case_survey"):
            assert raw not in text, (state, raw)
        said.add(statement)
    assert len(said) == len(STATEMENTS)  # each state says something of its own
