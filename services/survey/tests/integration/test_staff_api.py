"""The staff's side through the real ports: statistics over HTTP, CSV and gRPC; the return-visit calls;
bad input named, outsiders refused."""

import csv
import io

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.testing.waiting import eventually

from .conftest import DELAY_SECONDS, LOOP, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]

HAPPY = {"overall": "5", "response_speed": "4", "attitude": "5", "resolved": "yes", "recommend": "10"}
UNHAPPY = {"overall": "2", "response_speed": "2", "attitude": "2", "resolved": "no"}


async def answered_case(stack: Stack, answer: dict[str, str]) -> cases_pb.Case:
    case = await stack.closed_case()
    [sent] = await stack.tap.wait_for(case.case_id, "aftercare.survey.sent", 1, within=DELAY_SECONDS + 30)
    response = await stack.http.post(sent.parsed(pb.SurveySent).link.removeprefix(stack.base_url), data=answer)
    assert response.status_code == 200, response.text
    return case


async def test_statistics_over_http_csv_and_grpc(stack: Stack) -> None:
    case = await answered_case(stack, HAPPY)
    supervisor = dict(stack.auth("boss-1", "supervisor"))
    body = (await stack.http.get("/v1/statistics", params={"dimension": "company"}, headers=supervisor)).json()
    [row] = [r for r in body["rows"] if r["key"] == case.company_id]
    assert (row["sent"], row["answered"], row["response_rate"], row["csat"], row["nps"]) == (1, 1, 1.0, 1.0, 100.0)
    exported = await stack.http.get("/v1/statistics.csv", params={"dimension": "company"}, headers=supervisor)
    assert exported.headers["content-type"].startswith("text/csv")
    [csv_row] = [r for r in csv.DictReader(io.StringIO(exported.text)) if r["key"] == case.company_id]
    assert (csv_row["sent"], csv_row["csat"]) == ("1", "1.0")
    chart = await stack.http.get("/v1/statistics.svg", params={"dimension": "company"}, headers=supervisor)
    assert chart.headers["content-type"] == "image/svg+xml" and f"{case.company_id}: 1" in chart.text

    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.settings.grpc_port}") as channel:
        stub = survey_pb2_grpc.SurveyServiceStub(channel)
        reply = await stub.GetStatistics(pb.GetStatisticsRequest(dimension=pb.DIMENSION_COMPANY),
                                         metadata=stack.auth("boss-1", "supervisor"))
        [grpc_row] = [r for r in reply.rows if r.key == case.company_id]
        assert (grpc_row.answered, grpc_row.csat, grpc_row.nps) == (1, 1.0, 100.0)
        assessed = await stub.GetEngineerAssessment(pb.GetEngineerAssessmentRequest(),
                                                    metadata=stack.auth("boss-1", "supervisor"))
        assert "eng-1" in [e.engineer_id for e in assessed.engineers]
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetStatistics(pb.GetStatisticsRequest(), metadata=stack.auth("boss-1", "supervisor"))
        assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.aio.AioRpcError) as outsider:
            await stub.GetStatistics(pb.GetStatisticsRequest(dimension=pb.DIMENSION_REGION),
                                     metadata=stack.auth("li", "customer", company=case.company_id))
        assert outsider.value.code() == grpc.StatusCode.PERMISSION_DENIED

    year = case.closed_at.ToDatetime().year
    report = (await stack.http.get(f"/v1/reports/yearly/{year}", headers=supervisor)).json()
    assert report["year"] == year and report["overall"]["answered"] >= 1
    [company] = [r for r in report["by"]["company"] if r["key"] == case.company_id]
    assert company["csat"] == 1.0
    assert "eng-1" in [e["engineer_id"] for e in report["engineers"]]
    assert (await stack.http.get("/v1/reports/yearly/1999", headers=supervisor)).status_code == 400

    openapi = (await stack.http.get("/openapi.json")).json()
    assert {"/v1/statistics", "/v1/assessment", "/v1/return-visits", "/v1/campaigns"} <= set(openapi["paths"])
    assert "csat" in openapi["components"]["schemas"]["Satisfaction"]["properties"]
    assert not [path for path in openapi["paths"] if path.startswith("/s/")]  # the customer's page is no API

    bad = await stack.http.get("/v1/statistics", params={"dimension": "colour"}, headers=supervisor)
    assert (bad.status_code, bad.headers["content-type"]) == (400, "application/problem+json")
    assert bad.json()["errors"][0]["field"] == "dimension"


async def test_a_return_visit_call_is_recorded_and_noted_on_the_timeline(stack: Stack) -> None:
    case = await answered_case(stack, UNHAPPY)
    agent = stack.auth("agent-7", "agent")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.settings.grpc_port}") as channel:
        stub = survey_pb2_grpc.SurveyServiceStub(channel)
        visits = (await stub.ListReturnVisits(pb.ListReturnVisitsRequest(status="open"), metadata=agent)).return_visits
        [visit] = [v for v in visits if v.case_id == case.case_id]
        missed = await stub.RecordReturnVisit(pb.RecordReturnVisitRequest(return_visit_id=visit.return_visit_id,
                                                                          reached=False), metadata=agent)
        assert (missed.return_visit.status, missed.return_visit.attempts) == ("open", 1)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.RecordReturnVisit(pb.RecordReturnVisitRequest(return_visit_id=visit.return_visit_id,
                                                                     reached=True, satisfaction=9), metadata=agent)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    done = await stack.http.post(f"/v1/return-visits/{visit.return_visit_id}/outcome", headers=dict(agent),
                                 json={"reached": True, "satisfaction": 4, "comments": "works now", "follow_up": True})
    assert (done.status_code, done.json()["status"], done.json()["attempts"]) == (200, "done", 2)
    recorded = await stack.tap.wait_for(case.case_id, "aftercare.return_visit.recorded", 2)
    assert [e.parsed(pb.ReturnVisitRecorded).status for e in recorded] == ["open", "done"]

    async def noted() -> list[str]:
        timeline = await stack.cases.GetTimeline(cases_pb.GetTimelineRequest(case_id=case.case_id,
                                                                             page={"page_size": 200}),
                                                 metadata=stack.auth("desk", "agent"))
        return [e.payload_json for e in timeline.entries if e.kind == "note_added" and "Return visit" in e.payload_json]

    async def both_noted() -> bool:
        return len(await noted()) == 2

    await eventually(both_noted, within=30, what="both calls on the case's timeline")
    assert any("works now" in text for text in await noted())
