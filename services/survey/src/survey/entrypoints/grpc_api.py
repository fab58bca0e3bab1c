"""aftercare.survey.v1.SurveyService: requests to handler calls, results to responses; nothing else.

Errors are raised as `aftercare_platform.errors` and mapped to gRPC statuses by the server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aftercare.survey.v1 import survey_pb2 as pb
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.context import current_principal
from aftercare_platform.auth.principal import Role
from aftercare_platform.contracts import EnumMap

from survey.adapters.events import timestamp
from survey.domain.return_visit import Outcome, ReturnVisit
from survey.domain.statistics import Dimension
from survey.entrypoints.case_survey_messages import case_survey_message
from survey.entrypoints.views import require_case_survey_reader, require_staff, status_filter
from survey.handlers import SurveyHandlers
from survey.reads import SurveyReads


def _time(message: Any, field: str) -> datetime | None:
    return getattr(message, field).ToDatetime(tzinfo=UTC) if message.HasField(field) else None


DIMENSIONS = EnumMap(pb.Dimension, Dimension)


def _dimension(value: int) -> Dimension:
    return DIMENSIONS.member(value, "dimension")


def _present(figures: object) -> dict[str, Any]:
    """A dataclass's fields without the absent figures (left unset on the optional proto fields)."""
    return {key: value for key, value in vars(figures).items() if value is not None}


def visit_message(visit: ReturnVisit) -> pb.ReturnVisit:
    outcome = visit.outcome
    return pb.ReturnVisit(
        return_visit_id=visit.id, case_id=visit.case_id, case_number=visit.case_number, company_id=visit.company_id,
        engineer_id=visit.engineer_id, reason=visit.reason, status=visit.status.value,
        due_time=timestamp(visit.due_at), attempts=visit.attempts, reached=bool(outcome and outcome.reached),
        satisfaction=(outcome.satisfaction or 0) if outcome else 0, comments=outcome.comments if outcome else "",
        follow_up=bool(outcome and outcome.follow_up))


class SurveyServicer(survey_pb2_grpc.SurveyServiceServicer):
    def __init__(self, handlers: SurveyHandlers, reads: SurveyReads) -> None:
        self.handlers, self.reads = handlers, reads

    async def GetCaseSurvey(self, request: pb.GetCaseSurveyRequest, context: Any) -> pb.GetCaseSurveyResponse:
        principal = current_principal()
        require_case_survey_reader(principal)
        survey = await self.reads.case_survey(principal, request.case_id)
        return pb.GetCaseSurveyResponse(survey=case_survey_message(survey))

    async def OpenCaseSurvey(self, request: pb.OpenCaseSurveyRequest, context: Any) -> pb.OpenCaseSurveyResponse:
        survey = await self.handlers.open_case_survey(current_principal(), request.case_id, request.request_id)
        return pb.OpenCaseSurveyResponse(survey=case_survey_message(survey))

    async def GetStatistics(self, request: pb.GetStatisticsRequest, context: Any) -> pb.GetStatisticsResponse:
        principal = current_principal()
        require_staff(principal)
        rows = await self.reads.statistics(principal, _dimension(request.dimension),
                                           _time(request, "closed_from"), _time(request, "closed_until"))
        return pb.GetStatisticsResponse(rows=[pb.Satisfaction(**_present(row)) for row in rows])

    async def GetEngineerAssessment(self, request: pb.GetEngineerAssessmentRequest,
                                    context: Any) -> pb.GetEngineerAssessmentResponse:
        principal = current_principal()
        require_staff(principal)
        rows = await self.reads.assessment(principal, _time(request, "closed_from"), _time(request, "closed_until"))
        return pb.GetEngineerAssessmentResponse(engineers=[pb.EngineerAssessment(**_present(row)) for row in rows])

    async def ListReturnVisits(self, request: pb.ListReturnVisitsRequest,
                               context: Any) -> pb.ListReturnVisitsResponse:
        principal = current_principal()
        require_staff(principal)
        visits = await self.reads.return_visits(principal, status_filter(request.status))
        return pb.ListReturnVisitsResponse(return_visits=[visit_message(v) for v in visits])

    async def RecordReturnVisit(self, request: pb.RecordReturnVisitRequest,
                                context: Any) -> pb.RecordReturnVisitResponse:
        principal = current_principal()
        require_staff(principal)
        await self.reads.return_visit(principal, request.return_visit_id)
        outcome = Outcome(request.reached, request.satisfaction or None, request.comments.strip(), request.follow_up)
        visit = await self.handlers.record_return_visit(request.return_visit_id, outcome, principal.subject)
        return pb.RecordReturnVisitResponse(return_visit=visit_message(visit))

    async def ListCampaigns(self, request: pb.ListCampaignsRequest, context: Any) -> pb.ListCampaignsResponse:
        require_staff(current_principal())
        return pb.ListCampaignsResponse(campaigns=[pb.Campaign(**_present(c)) for c in await self.reads.campaigns()])

    async def StartCampaign(self, request: pb.StartCampaignRequest, context: Any) -> pb.StartCampaignResponse:
        principal = current_principal()
        require_role(principal, Role.SUPERVISOR, Role.ADMIN)
        campaign_id, _ = await self.handlers.start_campaign(request.period.strip(), principal.subject)
        return pb.StartCampaignResponse(campaign=pb.Campaign(**_present(await self.reads.campaign(campaign_id))))
