"""Field work over REST with the real cases and sla-timer: a visit from request to check-out (an offline
check-in keeps its own time), stock moves that never go negative, a loaner and an RMA — typed answers
in the one spelling, refusals as RFC 9457 problems, customers seeing only their own."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.auth.tokens import mint_token

from .conftest import ADMIN, AGENT, SETTINGS, SUPERVISOR, Stack, engineer, p1_case, round_the_clock
from .test_http import bearer


def customer(subject: str, company: str) -> dict[str, str]:
    return {"authorization": f"Bearer {mint_token(SETTINGS, subject, 'customer', company=company)}"}


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    return body


async def test_visits_stock_loaners_and_rma_over_http(stack: Stack) -> None:
    earlier = (await stack.cases_api.CreateCase(p1_case("http-field-0", "plaza-1"), metadata=AGENT)).case
    case = (await stack.cases_api.CreateCase(p1_case("http-field-1", "plaza-1"), metadata=AGENT)).case
    # nobody is on duty for dispatch here: the desk assigns it by hand
    await stack.cases_api.Assign(cases_pb.AssignRequest(case_id=case.case_id, assignee_id="desk-2"),
                                 metadata=AGENT)
    # the region's field team: the one field engineer on duty goes
    await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=engineer(
        "east-field-1", tier=pb.ENGINEER_TIER_FIELD_ENGINEER)), metadata=SUPERVISOR)
    await stack.dispatch_api.PutTeam(pb.PutTeamRequest(team=pb.Team(
        team_id="east-field", name="East field team", kind=pb.TEAM_KIND_FIELD, region="east",
        member_ids=["east-field-1"])), metadata=SUPERVISOR)
    await stack.dispatch_api.PutRoster(pb.PutRosterRequest(roster=round_the_clock("field-duty", "east-field-1")),
                                       metadata=ADMIN)
    desk, field = bearer("desk-1", "agent"), bearer("east-field-1", "engineer")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.dispatchers[0].http_port}", timeout=30) as http:
        visit = (await http.post("/v1/visits", headers=desk, json={"case_id": case.case_id, "reason": "no video"}))
        assert visit.status_code == 201, visit.text
        visit_id = visit.json()["visit_id"]
        assert visit.json()["status"] == "requested" and visit.json()["site"] == "Gate 3"
        early = await http.post(f"/v1/visits/{visit_id}/check-in", headers=field,
                                json={"occurred_at": "2026-12-03T09:41:00+08:00"})
        assert "never planned" in str(problem(early, 409).get("detail"))
        requested_at = datetime.fromisoformat(visit.json()["requested_at"])
        planned = await http.post(f"/v1/visits/{visit_id}/plan", headers=desk, json={
            "planned_at": (requested_at + timedelta(minutes=30)).isoformat(),
            "parts": ["HDD 4TB"]})
        assert planned.json()["status"] == "planned", planned.text
        assert planned.json()["engineer_id"] == "east-field-1"
        # the customer's file and the device's history go along: the earlier case of the same serial
        assert planned.json()["customer_company_id"] == "plaza-1" and planned.json()["device_serial"] == "SN-1"
        assert [h.split(" ")[0] for h in planned.json()["device_history"]] == [earlier.case_number]
        arrived = requested_at + timedelta(seconds=2)
        checked_in = await http.post(f"/v1/visits/{visit_id}/check-in", headers=field,
                                     json={"occurred_at": arrived.isoformat()})
        assert checked_in.json()["status"] == "on_site", checked_in.text
        assert datetime.fromisoformat(checked_in.json()["checked_in_at"]) == arrived
        # a reinstall needs the customer's signed approval first (plan 002 §3.1.4)
        unapproved = await http.post(f"/v1/visits/{visit_id}/work", headers=field,
                                     json={"text": "reinstalled the NVR firmware", "action": "reinstall"})
        assert "approval" in str(problem(unapproved, 409).get("detail"))
        signed = await http.post(f"/v1/visits/{visit_id}/approvals", headers=field,
                                 json={"action": "reinstall", "signed_by": "Li Lei"})
        assert signed.json()["approvals"][0]["signed_by"] == "Li Lei", signed.text
        logged = await http.post(f"/v1/visits/{visit_id}/work", headers=field,
                                 json={"text": "reinstalled the NVR firmware", "action": "reinstall"})
        assert [w["action"] for w in logged.json()["work_log"]] == ["reinstall"], logged.text
        out = await http.post(f"/v1/visits/{visit_id}/check-out", headers=field,
                              json={"report": "disk replaced", "parts_used": ["HDD 4TB"]})
        assert out.json()["status"] == "checked_out" and out.json()["parts_used"] == ["HDD 4TB"]
        problem(await http.post("/v1/visits", headers=desk, json={"case_id": case.case_id, "when": "now"}), 400)

        received = await http.post("/v1/depots/east-wh/moves", headers=desk,
                                   json={"kind": "receive", "part": "HDD-4T", "quantity": 3})
        assert received.json()["available"] == 3, received.text
        reserved = await http.post("/v1/depots/east-wh/moves", headers=desk, json={
            "kind": "reserve", "part": "HDD-4T", "quantity": 2, "case_id": case.case_id})
        assert (reserved.json()["reserved"], reserved.json()["available"]) == (2, 1)
        too_many = await http.post("/v1/depots/east-wh/moves", headers=desk, json={
            "kind": "reserve", "part": "HDD-4T", "quantity": 5, "case_id": case.case_id})
        assert "negative" in str(problem(too_many, 409).get("detail"))
        depot = (await http.get("/v1/depots/east-wh/stock", headers=desk)).json()
        assert [m["kind"] for m in depot["moves"]] == ["reserve", "receive"]
        assert depot["moves"][0]["case_id"] == case.case_id

        loaner = await http.post("/v1/loaners", headers=desk, json={
            "case_id": case.case_id, "serial_number": "NVR-L-77", "device_class": 3, "faulty_class": 2,
            "repair_started_at": case.created_at.ToDatetime().isoformat() + "+00:00"})
        assert loaner.status_code == 201, loaner.text
        assert loaner.json()["status"] == "issued"
        back = await http.post(f"/v1/loaners/{loaner.json()['loaner_id']}/return", headers=desk)
        assert back.json()["status"] == "returned"

        rma = await http.post("/v1/rmas", headers=desk, json={"case_id": case.case_id, "reason": "dead board"})
        assert rma.status_code == 201, rma.text
        step = await http.post(f"/v1/rmas/{rma.json()['rma_id']}/steps", headers=desk, json={"step": "approved"})
        assert step.json()["step"] == "approved" and [h["step"] for h in step.json()["history"]] == [
            "requested", "approved"]
        problem(await http.post(f"/v1/rmas/{rma.json()['rma_id']}/steps", headers=desk, json={"step": "teleported"}),
                400)
        # the customer whose case it is sees its visit and RMA; another company's customer finds nothing
        own, other = customer("c-1", "plaza-1"), customer("c-2", "plaza-2")
        assert (await http.get(f"/v1/rmas/{rma.json()['rma_id']}", headers=own)).json()["step"] == "approved"
        assert (await http.get(f"/v1/visits/{visit_id}", headers=own)).json()["status"] == "checked_out"
        problem(await http.get(f"/v1/rmas/{rma.json()['rma_id']}", headers=other), 404)
        problem(await http.get(f"/v1/visits/{visit_id}", headers=other), 404)
        problem(await http.post(f"/v1/loaners/{loaner.json()['loaner_id']}/return", headers=own), 403)

        openapi = (await http.get("/openapi.json")).json()
        for path in ("/v1/visits", "/v1/visits/{visit_id}/check-in", "/v1/depots/{depot}/moves", "/v1/loaners",
                     "/v1/rmas/{rma_id}/steps", "/v1/cases/{case_id}/vendor"):
            assert path in openapi["paths"], path
        visit_schema = openapi["components"]["schemas"]["VisitOut"]["properties"]["status"]
        assert "requested" in str(openapi["components"]["schemas"]) and visit_schema
