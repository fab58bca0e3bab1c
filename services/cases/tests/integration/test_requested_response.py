"""The customer's requested response time over gRPC and HTTP: a positive duration reaches CaseCreated (for
sla-timer); anything else is INVALID_ARGUMENT / 400 naming `customer_requested_response`."""

from google.protobuf.duration_pb2 import Duration

from .conftest import AGENT, create_request
from .test_bad_input import _invalid


async def test_the_requested_response_reaches_case_created_and_bad_values_name_the_field(cases, events):
    agent = cases.auth(*AGENT)
    asked = create_request("requested-1", customer_requested_response=Duration(seconds=900))
    case = (await cases.stub.CreateCase(asked, metadata=agent)).case
    [created] = await events.collect(1, subject=case.case_id)
    assert created["type"] == "aftercare.case.created.v1"
    assert created["data"]["customerRequestedResponse"] == "900s"
    for seconds in (0, -60):
        bad = create_request(f"requested-bad{seconds}", customer_requested_response=Duration(seconds=seconds))
        await _invalid(cases.stub.CreateCase(bad, metadata=agent), "customer_requested_response")

    body = {"request_id": "requested-h1", "region": "east", "company_id": "company-a",
            "caller": {"name": "Li Lei", "phone": "123"}, "description": "no picture",
            "category": "A", "kind": "defect", "priority": "P2"}
    headers = cases.headers(*AGENT)
    over_http = await cases.http.post("/v1/cases", json={**body, "customer_requested_response": "PT30M"},
                                      headers=headers)
    assert over_http.status_code == 201, over_http.text
    [created] = await events.collect(1, subject=over_http.json()["case"]["case_id"])
    assert created["data"]["customerRequestedResponse"] == "1800s"
    # a negative duration is refused by the domain, text that is no duration by the body's schema
    for bad, field in (("-PT5M", "customer_requested_response"), ("soon", "body.customer_requested_response")):
        refused = await cases.http.post(
            "/v1/cases", json={**body, "request_id": f"requested-h{bad}", "customer_requested_response": bad},
            headers=headers)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == [field]
