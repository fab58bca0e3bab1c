"""REST for staff (and a customer's own case's survey): typed pydantic bodies, CSV exports; errors become
RFC 9457 problems."""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from datetime import datetime

from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal, Role
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from survey.domain.return_visit import Outcome, ReturnVisit
from survey.domain.statistics import EngineerAssessment, Satisfaction
from survey.entrypoints.case_survey_messages import CaseSurveyBody, case_survey_body
from survey.entrypoints.charts import bar_chart
from survey.entrypoints.views import dimension_of, require_case_survey_reader, require_staff, status_filter
from survey.handlers import SurveyHandlers
from survey.reads import CampaignFigures, SurveyReads, YearlyReport


class OpenSurveyRequest(BaseModel):
    # the same request id gives the same answer (a double click opens one survey)
    request_id: str = Field(min_length=1, max_length=128)


class StatisticsBody(BaseModel):
    dimension: str
    rows: list[Satisfaction]


class CampaignRequest(BaseModel):
    period: str = Field(description='a half year, e.g. "2026-H2"')


class ReturnVisitBody(BaseModel):
    return_visit_id: str
    case_id: str
    case_number: str
    company_id: str
    engineer_id: str
    reason: str
    status: str
    due_at: datetime
    attempts: int
    reached: bool | None = None
    satisfaction: int | None = None
    comments: str = ""
    follow_up: bool = False


class OutcomeBody(BaseModel):
    reached: bool
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    comments: str = Field(default="", max_length=2000)
    follow_up: bool = False


def visit_body(visit: ReturnVisit) -> ReturnVisitBody:
    outcome = visit.outcome
    return ReturnVisitBody(
        return_visit_id=visit.id, case_id=visit.case_id, case_number=visit.case_number,
        company_id=visit.company_id, engineer_id=visit.engineer_id, reason=visit.reason,
        status=visit.status.value, due_at=visit.due_at, attempts=visit.attempts,
        reached=outcome.reached if outcome else None, satisfaction=outcome.satisfaction if outcome else None,
        comments=outcome.comments if outcome else "", follow_up=bool(outcome and outcome.follow_up))


def as_csv(row_type: type[Satisfaction] | type[EngineerAssessment],
           rows: list[Satisfaction] | list[EngineerAssessment]) -> Response:
    names = [f.name for f in fields(row_type)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    writer.writerows([getattr(row, name) for name in names] for row in rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


def router(handlers: SurveyHandlers, reads: SurveyReads) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["survey"])

    async def statistics(principal: Principal, dimension: str, closed_from: datetime | None,
                         closed_until: datetime | None) -> list[Satisfaction]:
        require_staff(principal)
        return await reads.statistics(principal, dimension_of(dimension), closed_from, closed_until)

    async def assessment(principal: Principal, closed_from: datetime | None,
                         closed_until: datetime | None) -> list[EngineerAssessment]:
        require_staff(principal)
        return await reads.assessment(principal, closed_from, closed_until)

    @api.get("/cases/{case_id}/survey", response_model=CaseSurveyBody)
    async def get_case_survey(case_id: str, principal: Principal = Depends(require_principal)) -> CaseSurveyBody:
        """The case's survey; a customer sees its own company's cases only (another's is 404, like none)."""
        require_case_survey_reader(principal)
        return case_survey_body(await reads.case_survey(principal, case_id))

    @api.post("/cases/{case_id}/survey/open", response_model=CaseSurveyBody)
    async def open_case_survey(case_id: str, body: OpenSurveyRequest,
                               principal: Principal = Depends(require_principal)) -> CaseSurveyBody:
        """"Give feedback now": the case's survey with its link, for a customer of the case's company (another
        company's case is 404, like none; anyone else 403); 409 when it cannot be opened (answered, cancelled,
        expired, already surveyed, the case not closed)."""
        return case_survey_body(await handlers.open_case_survey(principal, case_id, body.request_id))

    @api.get("/statistics", response_model=StatisticsBody)
    async def get_statistics(dimension: str = Query("company"), closed_from: datetime | None = None,
                             closed_until: datetime | None = None,
                             principal: Principal = Depends(require_principal)) -> StatisticsBody:
        rows = await statistics(principal, dimension, closed_from, closed_until)
        return StatisticsBody(dimension=dimension_of(dimension).value, rows=rows)

    @api.get("/statistics.csv", response_class=Response)
    async def get_statistics_csv(dimension: str = Query("company"), closed_from: datetime | None = None,
                                 closed_until: datetime | None = None,
                                 principal: Principal = Depends(require_principal)) -> Response:
        return as_csv(Satisfaction, await statistics(principal, dimension, closed_from, closed_until))

    @api.get("/statistics.svg", response_class=Response)
    async def get_statistics_chart(dimension: str = Query("company"), closed_from: datetime | None = None,
                                   closed_until: datetime | None = None,
                                   principal: Principal = Depends(require_principal)) -> Response:
        rows = await statistics(principal, dimension, closed_from, closed_until)
        chart = bar_chart(f"CSAT by {dimension_of(dimension).value}", [(r.key, r.csat) for r in rows], top=1.0)
        return Response(chart, media_type="image/svg+xml")

    @api.get("/assessment.svg", response_class=Response)
    async def get_assessment_chart(closed_from: datetime | None = None, closed_until: datetime | None = None,
                                   principal: Principal = Depends(require_principal)) -> Response:
        rows = await assessment(principal, closed_from, closed_until)
        chart = bar_chart("Engineer assessment (0-100)", [(r.engineer_id, r.score) for r in rows], top=100.0)
        return Response(chart, media_type="image/svg+xml")

    @api.get("/assessment", response_model=list[EngineerAssessment])
    async def get_assessment(closed_from: datetime | None = None, closed_until: datetime | None = None,
                             principal: Principal = Depends(require_principal)) -> list[EngineerAssessment]:
        return await assessment(principal, closed_from, closed_until)

    @api.get("/assessment.csv", response_class=Response)
    async def get_assessment_csv(closed_from: datetime | None = None, closed_until: datetime | None = None,
                                 principal: Principal = Depends(require_principal)) -> Response:
        return as_csv(EngineerAssessment, await assessment(principal, closed_from, closed_until))

    @api.get("/return-visits", response_model=list[ReturnVisitBody])
    async def list_return_visits(status: str | None = None,
                                 principal: Principal = Depends(require_principal)) -> list[ReturnVisitBody]:
        require_staff(principal)
        return [visit_body(v) for v in await reads.return_visits(principal, status_filter(status))]

    @api.post("/return-visits/{visit_id}/outcome", response_model=ReturnVisitBody)
    async def record_return_visit(visit_id: str, body: OutcomeBody,
                                  principal: Principal = Depends(require_principal)) -> ReturnVisitBody:
        require_staff(principal)
        await reads.return_visit(principal, visit_id)  # another region's task looks absent
        outcome = Outcome(body.reached, body.satisfaction, body.comments.strip(), body.follow_up)
        return visit_body(await handlers.record_return_visit(visit_id, outcome, principal.subject))

    @api.get("/reports/yearly/{year}", response_model=YearlyReport)
    async def yearly_report(year: int = Path(ge=2000, le=2100),
                            principal: Principal = Depends(require_principal)) -> YearlyReport:
        require_staff(principal)
        return await reads.yearly_report(principal, year)

    @api.get("/campaigns", response_model=list[CampaignFigures])
    async def list_campaigns(principal: Principal = Depends(require_principal)) -> list[CampaignFigures]:
        require_staff(principal)
        return await reads.campaigns()

    @api.post("/campaigns", response_model=CampaignFigures, status_code=201)
    async def start_campaign(body: CampaignRequest,
                             principal: Principal = Depends(require_principal)) -> CampaignFigures:
        require_role(principal, Role.SUPERVISOR, Role.ADMIN)
        campaign_id, _ = await handlers.start_campaign(body.period.strip(), principal.subject)
        return await reads.campaign(campaign_id)

    return api
