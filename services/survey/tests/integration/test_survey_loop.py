"""The satisfaction loop on real PostgreSQL and RabbitMQ, with cases as a real process: a closed case gets
one invitation with a working link; an unsatisfied answer reopens the case once; a used, forged or expired
link gets a clear page and a 4xx; a case reopened before the delay is never surveyed."""

from datetime import UTC, datetime, timedelta

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.testing.statement_cache import statements_without_cache_key
from aftercare_platform.testing.waiting import eventually
from survey.domain.tokens import sign

from .conftest import DELAY_SECONDS, LOOP, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]

UNHAPPY = {"overall": "1", "response_speed": "2", "attitude": "3", "resolved": "no",
           "comment": "画面还是黑的 / still no picture", "lang": "en"}


async def invitation_link(stack: Stack, case_id: str) -> str:
    [sent] = await stack.tap.wait_for(case_id, "aftercare.survey.sent", 1, within=DELAY_SECONDS + 30)
    return sent.parsed(pb.SurveySent).link


async def test_close_invite_answer_unsatisfied_reopens_once(stack: Stack) -> None:
    with statements_without_cache_key("survey") as uncached:
        case = await stack.closed_case()
        link = await invitation_link(stack, case.case_id)
        sent = stack.tap.of(case.case_id, "aftercare.survey.sent")[0].parsed(pb.SurveySent)
        assert (sent.contact_email, sent.language, sent.case_number) == (case.caller.email, "zh-CN", case.case_number)
        assert link.startswith(stack.base_url + "/s/")
        path = link.removeprefix(stack.base_url)

        form = await stack.http.get(path)
        assert form.status_code == 200 and "text/html" in form.headers["content-type"]
        assert case.case_number in form.text and 'name="overall"' in form.text and "总体满意度" in form.text

        answered = await stack.http.post(path, data=UNHAPPY)
        assert answered.status_code == 200, answered.text
        assert "reopened" in answered.text
        again = await stack.http.post(path, data=UNHAPPY)
        assert (again.status_code, "already answered" in again.text) == (409, True)
        assert (await stack.http.get(path + "?lang=en")).status_code == 409

        async def reopened() -> bool:
            return (await stack.case(case.case_id)).status == cases_pb.CASE_STATUS_REOPENED

        await eventually(reopened, within=30, what="the case reopened by the survey")
        [unhappy] = await stack.tap.wait_for(case.case_id, "aftercare.survey.unsatisfied", 1)
        assert unhappy.parsed(pb.SurveyUnsatisfied).comment == UNHAPPY["comment"]

        async def calls_settled() -> bool:
            return {row.status for row in await stack.reads.calls_of(case.case_id)} == {"done"}

        await eventually(calls_settled, within=30, what="survey's calls to cases carried out")
        after = await stack.case(case.case_id)
        assert after.reopen_count == 1
        [reopen] = await stack.tap.wait_for(case.case_id, "aftercare.case.reopened", 1)  # the relay may lag the state
        assert "still no picture" in reopen.data["reason"]
        assert len(stack.tap.of(case.case_id, "aftercare.survey.sent")) == 1
        [visit] = [v for v in await stack.reads.return_visits(None) if v.case_id == case.case_id]
        assert (visit.reason, visit.status.value) == ("unsatisfied", "open")
    assert uncached == []  # every statement of the loop compiled once, not on each event


async def test_forged_and_expired_links_get_a_clear_page(stack: Stack) -> None:
    forged = await stack.http.get("/s/not-a-real-token")
    assert forged.status_code == 404 and "text/html" in forged.headers["content-type"]
    assert "链接无效" in forged.text and "Traceback" not in forged.text
    tampered = await stack.http.get("/s/" + sign("guessed-secret", "x", datetime.now(UTC) + timedelta(days=1)) +
                                    "?lang=en")
    assert tampered.status_code == 404 and "not valid" in tampered.text
    case = await stack.closed_case()
    link = await invitation_link(stack, case.case_id)
    invitation_id = stack.tap.of(case.case_id, "aftercare.survey.sent")[0].parsed(pb.SurveySent).invitation_id
    expired = sign(stack.settings.survey_link_secret, invitation_id, datetime.now(UTC) - timedelta(seconds=1))
    for response in (await stack.http.get(f"/s/{expired}?lang=en"),
                     await stack.http.post(f"/s/{expired}", data=UNHAPPY)):
        assert response.status_code == 410 and "expired" in response.text
    path = link.removeprefix(stack.base_url)
    wrong = await stack.http.post(path, data={"overall": "9", "attitude": "4", "resolved": "yes", "lang": "en"})
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    assert "Overall satisfaction" in wrong.text and "from 1 to 5" in wrong.text  # the field named, in words
    assert "Response speed" in wrong.text and "is required" in wrong.text
    assert (await stack.http.get(path)).status_code == 200  # nothing was recorded: the link still works


async def test_a_case_reopened_before_the_delay_gets_no_invitation(stack: Stack) -> None:
    case = await stack.closed_case()
    await stack.cases.Reopen(cases_pb.ReopenRequest(case_id=case.case_id, reason="customer called back"),
                             metadata=stack.auth("agent-1", "agent"))

    async def cancelled() -> bool:
        return [row.status for row in await stack.reads.invitations_of(case.case_id)] == ["cancelled"]

    await eventually(cancelled, within=DELAY_SECONDS + 30, what="the invitation cancelled by the reopen")
    # a later case of the same test, closed after this one, is invited: the worker has run past this one's due time
    later = await stack.closed_case()
    await invitation_link(stack, later.case_id)
    assert stack.tap.of(case.case_id, "aftercare.survey.sent") == []


async def test_a_contact_who_opts_out_is_never_asked_again(stack: Stack) -> None:
    first = await stack.closed_case(email="wang.fang@optout.example.cn")
    [sent] = await stack.tap.wait_for(first.case_id, "aftercare.survey.sent", 1, within=DELAY_SECONDS + 30)
    opt_out = sent.parsed(pb.SurveySent).opt_out_link.removeprefix(stack.base_url)
    page = await stack.http.get(opt_out + "?lang=en")
    assert page.status_code == 200 and "Stop sending me surveys" in page.text
    done = await stack.http.post(opt_out, data={"lang": "en"})
    assert done.status_code == 200 and "will not send you surveys" in done.text
    second = await stack.closed_case(email="Wang.Fang@optout.example.cn")

    async def skipped() -> bool:
        return [row.skip_reason for row in await stack.reads.invitations_of(second.case_id)] == ["opted_out"]

    await eventually(skipped, within=DELAY_SECONDS + 30, what="the second case's survey skipped")
    assert stack.tap.of(second.case_id, "aftercare.survey.sent") == []
