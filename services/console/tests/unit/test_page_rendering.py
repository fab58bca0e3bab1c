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
    page = render("reports.html", compliance=compliance, ageing=[("age_0", 1)])
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
