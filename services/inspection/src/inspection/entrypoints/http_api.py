"""REST: typed pydantic bodies for plans, inspections, reports (also as HTML and PDF), compliance and
watches; errors become RFC 9457 problems in the platform's handlers. Customers see their own only."""

from __future__ import annotations

from datetime import date, datetime

from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from inspection.adapters import report_render
from inspection.domain.compliance import Tally
from inspection.domain.findings import Finding, FindingState
from inspection.domain.plans import Anchoring, HolidayPolicy, Mode, Plan, ReportDue
from inspection.domain.reports import Report, ReportState
from inspection.domain.visits import Visit, VisitKind, VisitStatus
from inspection.handlers.execution import ExecutionHandlers
from inspection.handlers.listing import Listings
from inspection.reads import InspectionReads


class PlanBody(BaseModel):
    plan_id: str
    company_id: str
    contract_id: str
    site_id: str
    asset_group: str
    region: str
    title: str
    rule: str
    starts_on: date
    ends_on: date | None
    anchoring: Anchoring
    holiday_policy: HolidayPolicy
    mode: Mode
    checklist_id: str
    notice_working_days: int
    report_working_days: int
    report_due: ReportDue
    calendar: str


class FindingBody(BaseModel):
    finding_id: str
    item_id: str
    summary: str
    state: FindingState
    case_id: str
    case_number: str


class InspectionBody(BaseModel):
    inspection_id: str
    plan_id: str
    company_id: str
    site_id: str
    mode: Mode
    kind: VisitKind
    nominal_on: date
    scheduled_on: date
    notice_on: date | None
    moved: str
    status: VisitStatus
    checklist_id: str
    checklist_version: int
    performed_at: datetime | None
    dispatch_visit_id: str
    findings: list[FindingBody] = []


class PlanPage(BaseModel):
    items: list[PlanBody]
    next_page_token: str  # empty on the last page


class InspectionPage(BaseModel):
    items: list[InspectionBody]
    next_page_token: str  # empty on the last page


class ReportBody(BaseModel):
    inspection_id: str
    state: ReportState
    due_at: datetime
    summary: str
    submitted_at: datetime | None
    signed_off_by: str
    signed_off_at: datetime | None
    overdue: bool


class ComplianceBody(BaseModel):
    company_id: str
    site_id: str
    period: str
    due: int
    done_on_time: int
    done_late: int
    missed: int
    reports_on_time: int
    reports_late: int


class SummaryBody(BaseModel):
    company_id: str
    period: str
    start: date
    end: date
    by_site_and_month: list[ComplianceBody]
    findings: int
    cases: list[str]


def _plan(plan: Plan) -> PlanBody:
    return PlanBody(plan_id=plan.id, company_id=plan.company_id, contract_id=plan.contract_id, site_id=plan.site_id,
                    asset_group=plan.asset_group, region=plan.region, title=plan.title, rule=plan.rule,
                    starts_on=plan.starts_on, ends_on=plan.ends_on, anchoring=plan.anchoring,
                    holiday_policy=plan.holiday_policy, mode=plan.mode, checklist_id=plan.checklist_id,
                    notice_working_days=plan.notice_working_days, report_working_days=plan.report_working_days,
                    report_due=plan.report_due, calendar=plan.calendar)


def _finding(finding: Finding) -> FindingBody:
    return FindingBody(finding_id=finding.id, item_id=finding.item_id, summary=finding.summary,
                       state=finding.state, case_id=finding.case_id, case_number=finding.case_number)


def _inspection(visit: Visit, findings: list[Finding] | None = None) -> InspectionBody:
    return InspectionBody(inspection_id=visit.id, plan_id=visit.plan_id, company_id=visit.company_id,
                          site_id=visit.site_id, mode=visit.mode, kind=visit.kind,
                          nominal_on=visit.nominal_on, scheduled_on=visit.scheduled_on, notice_on=visit.notice_on,
                          moved=visit.moved, status=visit.status, checklist_id=visit.checklist_id,
                          checklist_version=visit.checklist_version, performed_at=visit.performed_at,
                          dispatch_visit_id=visit.dispatch_visit_id,
                          findings=[_finding(f) for f in findings or []])


def _report(report: Report) -> ReportBody:
    return ReportBody(inspection_id=report.visit_id, state=report.state, due_at=report.due_at,
                      summary=report.summary, submitted_at=report.submitted_at, signed_off_by=report.signed_off_by,
                      signed_off_at=report.signed_off_at,
                      overdue=report.overdue_at is not None or report.on_time is False)


def _tally(tally: Tally) -> ComplianceBody:
    return ComplianceBody(**tally.__dict__)


def router(reads: InspectionReads, execution: ExecutionHandlers, listings: Listings) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["inspection"])

    @api.get("/plans", response_model=PlanPage)
    async def list_plans(company_id: str = "", page_size: int = 0, page_token: str = "",
                         principal: Principal = Depends(require_principal)) -> PlanPage:
        found, token = await listings.plans(principal, company_id=company_id, size=page_size, token=page_token)
        return PlanPage(items=[_plan(p) for p in found], next_page_token=token)

    @api.get("/plans/{plan_id}", response_model=PlanBody)
    async def get_plan(plan_id: str, principal: Principal = Depends(require_principal)) -> PlanBody:
        return _plan(await reads.plan(principal, plan_id))

    @api.get("/inspections", response_model=InspectionPage)
    async def list_inspections(company_id: str = "", plan_id: str = "", status: str = "", page_size: int = 0,
                               page_token: str = "",
                               principal: Principal = Depends(require_principal)) -> InspectionPage:
        found, token = await listings.visits(principal, company_id=company_id, plan_id=plan_id, status=status,
                                             size=page_size, token=page_token)
        return InspectionPage(items=[_inspection(v) for v in found], next_page_token=token)

    @api.get("/inspections/{inspection_id}", response_model=InspectionBody)
    async def get_inspection(inspection_id: str, principal: Principal = Depends(require_principal)) -> InspectionBody:
        return _inspection(*await reads.visit(principal, inspection_id))

    @api.get("/inspections/{inspection_id}/report", response_model=ReportBody)
    async def get_report(inspection_id: str, principal: Principal = Depends(require_principal)) -> ReportBody:
        return _report(await reads.report(principal, inspection_id))

    @api.get("/inspections/{inspection_id}/report.html", response_class=HTMLResponse)
    async def report_html(inspection_id: str, principal: Principal = Depends(require_principal)) -> HTMLResponse:
        return HTMLResponse(report_render.html(await reads.document(principal, inspection_id)))

    @api.get("/inspections/{inspection_id}/report.pdf", response_class=Response,
             responses={200: {"content": {"application/pdf": {}}}})
    async def report_pdf(inspection_id: str, principal: Principal = Depends(require_principal)) -> Response:
        return Response(report_render.pdf(await reads.document(principal, inspection_id)),
                        media_type="application/pdf")

    @api.post("/inspections/{inspection_id}/report/sign-off", response_model=ReportBody)
    async def sign_off(inspection_id: str, principal: Principal = Depends(require_principal)) -> ReportBody:
        """The customer signs its report off (staff may record a sign-off given on paper)."""
        return _report(await execution.sign_off(principal, inspection_id))

    @api.get("/compliance", response_model=list[ComplianceBody])
    async def compliance(from_day: date = Query(...), until_day: date = Query(...), company_id: str = "",
                         principal: Principal = Depends(require_principal)) -> list[ComplianceBody]:
        return [_tally(t) for t in await reads.compliance(principal, company_id, from_day, until_day)]

    @api.get("/watches/{watch_id}/report.html", response_class=HTMLResponse)
    async def watch_report(watch_id: str, principal: Principal = Depends(require_principal)) -> HTMLResponse:
        """The watch's own report: its roster, pre-event inspection and duty log."""
        return HTMLResponse(report_render.watch_html(*await reads.watch_with_pre_event(principal, watch_id)))

    @api.get("/summaries", response_model=SummaryBody)
    async def summary(company_id: str = Query(...), period: str = Query(..., description="2026, 2026-Q1 or 2026-03"),
                      principal: Principal = Depends(require_principal)) -> SummaryBody:
        """The quarterly or yearly summary of a customer's inspections."""
        found = await reads.summary(principal, company_id, period)
        return SummaryBody(company_id=found.company_id, period=found.period, start=found.start, end=found.end,
                           by_site_and_month=[_tally(t) for t in found.tallies], findings=found.findings,
                           cases=list(found.cases))

    return api
