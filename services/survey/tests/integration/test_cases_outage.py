"""While cases is down, survey waits: the due invitation is tried again (never dropped, never parked) and
goes out once cases is back; the reopen of an unhappy answer is carried out after the outage, once."""

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.testing.waiting import eventually

from .conftest import DELAY_SECONDS, LOOP, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]

UNHAPPY = {"overall": "1", "response_speed": "1", "attitude": "1", "resolved": "no", "comment": "down again"}


async def test_survey_waits_out_a_cases_outage(stack: Stack) -> None:
    case = await stack.closed_case()
    # cases' relay must have published case.closed before it stops, or no invitation exists to wait
    await stack.tap.wait_for(case.case_id, "aftercare.case.closed", 1, within=30)
    await stack.cases_process.stop()
    try:
        async def tried_while_down() -> bool:
            rows = await stack.reads.invitations_of(case.case_id)  # none until case.closed is consumed
            return [(row.status, row.attempts >= 2) for row in rows] == [("scheduled", True)]

        await eventually(tried_while_down, within=DELAY_SECONDS + 30, what="the invitation tried while cases is down")
    finally:
        await stack.cases_process.start()
    [sent] = await stack.tap.wait_for(case.case_id, "aftercare.survey.sent", 1, within=30)
    path = sent.parsed(pb.SurveySent).link.removeprefix(stack.base_url)

    await stack.cases_process.stop()
    try:
        assert (await stack.http.post(path, data=UNHAPPY)).status_code == 200  # the page needs no cases

        async def reopen_waiting() -> bool:
            calls = {row.kind: row for row in await stack.reads.calls_of(case.case_id)}
            return calls["reopen"].status == "pending" and calls["reopen"].attempts >= 1

        await eventually(reopen_waiting, within=30, what="the reopen tried while cases is down")
    finally:
        await stack.cases_process.start()

    async def reopened() -> bool:
        try:
            return (await stack.case(case.case_id)).status == cases_pb.CASE_STATUS_REOPENED
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                return False  # the test's own channel finding cases again
            raise

    await eventually(reopened, within=30, what="the case reopened after the outage")
    assert (await stack.case(case.case_id)).reopen_count == 1
