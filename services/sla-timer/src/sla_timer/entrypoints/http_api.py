"""The SLA REST API: the gRPC operations as resources, bodies in the proto JSON mapping with proto field
names and enums in their short forms (`P1`, `FIRST_RESPONSE`, `notify`; long names accepted on input).

    GET    /v1/cases/{case_id_or_number}/sla       every clock of a case explained
    GET    /v1/policies                            PUT|GET|DELETE /v1/policies/{name}
    GET    /v1/calendars                           PUT|GET|DELETE /v1/calendars/{name}
    GET    /v1/policy-set                          the whole set as YAML (export)
    POST   /v1/policy-set?replace=false            import YAML (merged, or replacing the set)
    GET    /v1/compliance                          met/breached per company, region, priority, clock, month, engineer
    GET    /v1/compliance.csv                      the same as CSV
    GET    /v1/compliance.svg?by=priority          the same as a chart (by priority, clock_kind, engineer, ...)

Response bodies are typed (entrypoints/http_models.py) for OpenAPI.

Errors are RFC 9457 problems; another company's case is 404, as one never heard of."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any, Literal

from aftercare.sla.v1 import sla_pb2 as pb
from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.contracts.rest_json import from_rest, to_rest
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.servers.http_guard import accepts
from fastapi import APIRouter, Body, Depends, Query, Request, Response

from sla_timer.adapters.proto_vocabulary import CLOCK_KINDS, PRIORITIES
from sla_timer.domain.report import DIMENSIONS, Report, ReportFilter
from sla_timer.domain.report_chart import compliance_svg
from sla_timer.domain.vocabulary import ClockKind, Priority
from sla_timer.entrypoints import http_models as m
from sla_timer.entrypoints.explanation_messages import case_sla_message
from sla_timer.entrypoints.grpc_api import report_filter
from sla_timer.entrypoints.policy_messages import (
    calendar_document,
    calendar_message,
    policy_document,
    policy_message,
    restate_calendar_error,
    restate_policy_error,
)
from sla_timer.policy_admin import PolicyAdmin
from sla_timer.reads import SlaReads

PrincipalDep = Annotated[Principal, Depends(require_principal)]
CASE_NUMBER = re.compile(r"^[A-Z]{2,8}-\d{8}-\d{6}$")
YAML = "application/yaml"
SVG = "image/svg+xml"
CSV_COLUMNS = (
    "company_id",
    "region",
    "priority",
    "clock_kind",
    "month",
    "engineer_id",
    "met",
    "breached",
    "compliance_percent",
)
Dimension = Literal["priority", "clock_kind", "engineer", "company", "region", "month"]
assert set(Dimension.__args__) == set(DIMENSIONS)  # type: ignore[attr-defined]


def _report_request(
    company_id: list[str] | None,
    region: list[str] | None,
    priority: list[Priority] | None,
    clock_kind: list[ClockKind] | None,
    from_month: str,
    to_month: str,
    engineer_id: list[str] | None,
) -> ReportFilter:
    request = pb.GetComplianceReportRequest(
        company_ids=company_id or [],
        regions=region or [],
        priorities=PRIORITIES.numbers(priority or []),  # type: ignore[arg-type]
        clock_kinds=CLOCK_KINDS.numbers(clock_kind or []),  # type: ignore[arg-type]
        from_month=from_month,
        to_month=to_month,
        engineer_ids=engineer_id or [],
    )
    return report_filter(request)


class ReportQuery:
    def __init__(
        self,
        company_id: Annotated[list[str] | None, Query()] = None,
        region: Annotated[list[str] | None, Query()] = None,
        priority: Annotated[list[Priority] | None, Query()] = None,
        clock_kind: Annotated[list[ClockKind] | None, Query()] = None,
        from_month: Annotated[str, Query(description="YYYY-MM, inclusive")] = "",
        to_month: Annotated[str, Query(description="YYYY-MM, inclusive")] = "",
        engineer_id: Annotated[list[str] | None, Query(description="who held the case; staff only")] = None,
    ) -> None:
        self.filter = _report_request(company_id, region, priority, clock_kind, from_month, to_month, engineer_id)


def _text_answer(media_type: str, kind: str = "string") -> dict[int | str, dict[str, Any]]:
    """An answer that is a document of another media type (YAML: an object once read, CSV, SVG), for the OpenAPI."""
    return {200: {"content": {media_type: {"schema": {"type": kind}}}}}


def compliance_view(report: Report) -> m.ComplianceView:
    """The report as REST JSON; an empty report has no percentage (null), never 100 %."""
    rows = [
        m.ComplianceRowView(
            company_id=r.company_id,
            region=r.region,
            priority=r.priority,
            clock_kind=r.kind,
            month=r.month,
            engineer_id=r.engineer_id,
            met=r.met,
            breached=r.breached,
            compliance_percent=r.compliance_percent or 0.0,
        )
        for r in report.rows
    ]
    return m.ComplianceView(
        rows=rows,
        met=report.met,
        breached=report.breached,
        compliance_percent=report.compliance_percent,
        empty=report.empty,
    )


def sla_router(reads: SlaReads, admin: PolicyAdmin) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["sla"])

    @router.get("/cases/{case_ref}/sla", response_model=m.CaseSlaView, response_model_exclude_unset=True)
    async def get_case_sla(case_ref: str, principal: PrincipalDep) -> dict[str, Any]:
        by_number = bool(CASE_NUMBER.match(case_ref))
        found = await reads.case_sla(
            principal, case_id="" if by_number else case_ref, case_number=case_ref if by_number else ""
        )
        return to_rest(case_sla_message(found.case, found.policy, found.clocks, found.as_of))

    @router.get("/policies", response_model=m.PolicyListView, response_model_exclude_unset=True)
    async def list_policies(principal: PrincipalDep) -> dict[str, Any]:
        current = await admin.current(principal)
        return {
            "policies": [
                to_rest(policy_message(p, is_default=n == current.default_policy))
                for n, p in sorted(current.policies.items())
            ],
            "default_policy": current.default_policy,
        }

    @router.get("/policies/{name}", response_model=m.PolicyView, response_model_exclude_unset=True)
    async def get_policy(name: str, principal: PrincipalDep) -> dict[str, Any]:
        policy, is_default = await admin.policy(principal, name)
        return to_rest(policy_message(policy, is_default=is_default))

    @router.put("/policies/{name}", response_model=m.PolicyView, response_model_exclude_unset=True)
    async def put_policy(
        name: str, principal: PrincipalDep, body: Annotated[dict[str, Any], Body()], response: Response
    ) -> dict[str, Any]:
        message = from_rest({**body, "name": name}, pb.Policy(), "policy")
        policy_name, document, order = policy_document(message)
        policy, created = await admin.put_policy(
            principal, policy_name, document, lambda error: restate_policy_error(error, policy_name, order)
        )
        response.status_code = 201 if created else 200
        return to_rest(policy_message(policy, is_default=False))

    @router.delete("/policies/{name}", status_code=204)
    async def delete_policy(name: str, principal: PrincipalDep) -> Response:
        await admin.delete_policy(principal, name)
        return Response(status_code=204)

    @router.get("/calendars", response_model=m.CalendarListView, response_model_exclude_unset=True)
    async def list_calendars(principal: PrincipalDep) -> dict[str, Any]:
        current = await admin.current(principal)
        return {"calendars": [to_rest(calendar_message(c)) for _, c in sorted(current.calendars.items())]}

    @router.get("/calendars/{name}", response_model=m.CalendarView, response_model_exclude_unset=True)
    async def get_calendar(name: str, principal: PrincipalDep) -> dict[str, Any]:
        return to_rest(calendar_message(await admin.calendar(principal, name)))

    @router.put("/calendars/{name}", response_model=m.CalendarView, response_model_exclude_unset=True)
    async def put_calendar(
        name: str, principal: PrincipalDep, body: Annotated[dict[str, Any], Body()], response: Response
    ) -> dict[str, Any]:
        message = from_rest({**body, "name": name}, pb.Calendar(), "calendar")
        calendar_name, document = calendar_document(message)
        calendar, created = await admin.put_calendar(
            principal, calendar_name, document, lambda error: restate_calendar_error(error, calendar_name)
        )
        response.status_code = 201 if created else 200
        return to_rest(calendar_message(calendar))

    @router.delete("/calendars/{name}", status_code=204)
    async def delete_calendar(name: str, principal: PrincipalDep) -> Response:
        await admin.delete_calendar(principal, name)
        return Response(status_code=204)

    @router.get("/policy-set", response_class=Response, responses=_text_answer(YAML, "object"))
    async def export_policy_set(principal: PrincipalDep) -> Response:
        return Response(await admin.export_yaml(principal), media_type=YAML)

    @router.post("/policy-set", response_model=m.ImportedView)
    @accepts(YAML, "application/x-yaml", "text/yaml", "text/plain")
    async def import_policy_set(request: Request, principal: PrincipalDep, replace: bool = False) -> dict[str, Any]:
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgument.for_field("body", "is not UTF-8") from None
        imported = await admin.import_yaml(principal, text, replace=replace)
        return {
            "calendars": len(imported.calendars),
            "policies": len(imported.policies),
            "default_policy": imported.default_policy,
        }

    @router.get("/compliance", response_model=m.ComplianceView)
    async def compliance(principal: PrincipalDep, query: Annotated[ReportQuery, Depends()]) -> m.ComplianceView:
        return compliance_view(await reads.compliance(principal, query.filter))

    @router.get("/compliance.svg", response_class=Response, responses=_text_answer(SVG))
    async def compliance_chart(
        principal: PrincipalDep, query: Annotated[ReportQuery, Depends()], by: Dimension = "priority"
    ) -> Response:
        report = await reads.compliance(principal, query.filter)
        if by == "engineer" and not principal.is_staff:
            raise InvalidArgument.for_field("by", "the engineer dimension is for staff")
        return Response(compliance_svg(report, by=by), media_type=SVG)

    @router.get("/compliance.csv", response_class=Response, responses=_text_answer("text/csv"))
    async def compliance_csv(principal: PrincipalDep, query: Annotated[ReportQuery, Depends()]) -> Response:
        report = await reads.compliance(principal, query.filter)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in report.rows:
            writer.writerow(
                (
                    row.company_id,
                    row.region,
                    row.priority.value,
                    row.kind.value,
                    row.month,
                    row.engineer_id,
                    row.met,
                    row.breached,
                    f"{row.compliance_percent or 0:.2f}",
                )
            )
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={"content-disposition": 'attachment; filename="sla-compliance.csv"'},
        )

    return router
