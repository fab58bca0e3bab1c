"""The pages added for the supervisor and the portal, rendered from their templates with plain values:
what the viewer sees (and does not see) without starting a service."""

from __future__ import annotations

from typing import Any

from console.domain.i18n import TEXT
from console.domain.reports import compliance_table
from console.entrypoints.web import _env


def render(name: str, **context: Any) -> str:
    base = {"t": TEXT["en"], "lang": "en", "viewer": None, "path": "/", "csrf": "c", "errors": {},
            "new_request_id": lambda: "r" * 32, "iso": str, "left": lambda deadline: 0}
    return _env.get_template(name).render(**{**base, **context})


def test_the_reports_chart_compliance_by_engineer_customer_and_region() -> None:
    compliance = compliance_table([("P1", "restore", "2026-11", "east", "acme", 3, 1, "eng-zhao"),
                                   ("P2", "restore", "2026-11", "west", "boreal", 0, 1, "")])
    page = render("reports.html", compliance=compliance, ageing=[("age_0", 1)], satisfaction=None)
    for title in ("By engineer", "By customer", "By region"):
        assert f'aria-label="SLA compliance {title}"' in page
    assert 'eng-zhao</span>' in page and "75.0% · met 3 · breached 1" in page
    assert "boreal</span>" in page and "west</span>" in page


def test_the_complaint_form_lists_the_open_complaints() -> None:
    case = {"number": "EA-20261121-000042", "id": "c1", "open_complaints": [
        {"sequence": 2, "about": "engineer", "engineer_id": "eng-zhao", "text": "never called back"}]}
    page = render("forms/replace_engineer.html", case=case, form="replace_engineer")
    assert 'action="/cases/EA-20261121-000042/replace_engineer"' in page
    assert '<option value="2">#2 · the engineer · eng-zhao · never called back</option>' in page


def test_the_reports_show_survey_satisfaction_with_absent_figures_left_empty() -> None:
    from aftercare.survey.v1 import survey_pb2
    from console.entrypoints.views import satisfaction_view

    rows = satisfaction_view([survey_pb2.Satisfaction(key="eng-zhao", sent=4, answered=2, response_rate=50.0,
                                                      csat=100.0, nps=50.0, average_overall=4.5),
                              survey_pb2.Satisfaction(key="eng-li", sent=1, unsatisfied=0)])
    assert rows[0]["csat"] == 100.0 and rows[1]["csat"] is None and rows[1]["nps"] is None
    page = render("reports.html", compliance=None, ageing=[("age_0", 0)], satisfaction={"by_engineer": rows})
    assert '<table class="satisfaction" data-by="by_engineer">' in page
    assert "<td>eng-zhao</td><td>4</td><td>2</td>" in page and "<td>100.0</td><td>50.0</td><td>4.5</td>" in page
    assert "<td>eng-li</td><td>1</td><td>0</td>\n<td></td><td></td><td></td><td></td>" in page
    assert "Customer satisfaction" in render("reports.html", compliance=None, ageing=[("age_0", 0)], satisfaction=None)


def test_the_supervisor_sees_the_45_minute_rule_reassignments() -> None:
    from datetime import UTC, datetime

    reassigned = [{"case_number": "EA-1", "case_id": "c1", "occurred_at": datetime(2026, 11, 21, 2, 45, tzinfo=UTC),
                   "previous_engineer_id": "eng-zhao", "engineer_id": "eng-li", "sla_rule": True,
                   "reason": "no first response"}]
    page = render("supervisor.html", urgent=[], complaints=[], load=[], on_duty=[], reassigned=reassigned)
    assert '<a href="/cases/EA-1">EA-1</a>' in page and "2026-11-21 02:45" in page
    assert "<td>eng-zhao</td>" in page and "<td>eng-li</td><td>45-minute rule</td>" in page
    assert "No reassignments" in render("supervisor.html", urgent=[], complaints=[], load=[], on_duty=[],
                                        reassigned=[])


def test_the_case_page_offers_similar_resolved_cases_with_their_fix() -> None:
    from aftercare.cases.v1 import cases_pb2
    from console.entrypoints.views import similar_view

    found = similar_view([cases_pb2.SimilarCase(score=0.8, case=cases_pb2.Case(
        case_number="EA-20261101-000007", status=cases_pb2.CASE_STATUS_CLOSED, description="NVR v2.3.1 reboots",
        fault_report=cases_pb2.FaultReport(cause="firmware leak", method="upgrade to v2.3.2")))])
    assert found == [{"number": "EA-20261101-000007", "status": "closed", "description": "NVR v2.3.1 reboots",
                      "cause": "firmware leak", "method": "upgrade to v2.3.2"}]
    page = render("similar_cases.html", similar=found)
    assert '<a href="/cases/EA-20261101-000007">EA-20261101-000007</a>' in page
    assert "firmware leak → upgrade to v2.3.2" in page
    assert "No similar resolved cases" in render("similar_cases.html", similar=[])
    assert "没有相似的已解决案件" in render("similar_cases.html", similar=[], t=TEXT["zh-CN"])
