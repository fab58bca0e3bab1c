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
