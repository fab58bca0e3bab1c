"""A case's survey into its gRPC message and its REST body, each value in its one spelling (EnumMap)."""

from __future__ import annotations

from datetime import datetime

from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.contracts import EnumMap
from pydantic import BaseModel

from survey.adapters.events import timestamp
from survey.domain.case_survey import AnswerSummary, CaseSurvey
from survey.domain.fatigue import SkipReason
from survey.domain.invitation import InvitationStatus

INVITATION_STATUSES = EnumMap(pb.InvitationStatus, InvitationStatus)
SKIP_REASONS = EnumMap(pb.SkipReason, SkipReason)


def _answer_message(answer: AnswerSummary) -> pb.SurveyAnswer:
    message = pb.SurveyAnswer(comment=answer.comment, answered_time=timestamp(answer.answered_at),
                              unsatisfied=answer.unsatisfied)
    # a question the questionnaire did not ask stays unset on its optional field
    for key in ("overall", "response_speed", "attitude", "resolved", "recommend"):
        if (value := getattr(answer, key)) is not None:
            setattr(message, key, value)
    return message


def case_survey_message(survey: CaseSurvey) -> pb.CaseSurvey:
    message = pb.CaseSurvey(
        case_id=survey.case_id, case_number=survey.case_number,
        status=INVITATION_STATUSES.number(survey.status, "status"),  # type: ignore[arg-type]
        skip_reason=SKIP_REASONS.number(survey.skip_reason, "skip_reason"),  # type: ignore[arg-type]
        closed_time=timestamp(survey.closed_at), expired=survey.expired, link=survey.link or "")
    if survey.sent_at is not None:
        message.sent_time.CopyFrom(timestamp(survey.sent_at))
    if survey.expires_at is not None:
        message.expires_time.CopyFrom(timestamp(survey.expires_at))
    if survey.answer is not None:
        message.answer.CopyFrom(_answer_message(survey.answer))
    return message


class SurveyAnswerBody(BaseModel):
    answered_at: datetime
    unsatisfied: bool
    overall: int | None = None
    response_speed: int | None = None
    attitude: int | None = None
    resolved: bool | None = None
    recommend: int | None = None
    comment: str = ""


class CaseSurveyBody(BaseModel):
    case_id: str
    case_number: str
    status: InvitationStatus
    skip_reason: SkipReason | None = None
    closed_at: datetime
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    expired: bool
    # the no-login form; only for a customer of the case's company while it can answer
    link: str | None = None
    answer: SurveyAnswerBody | None = None


def case_survey_body(survey: CaseSurvey) -> CaseSurveyBody:
    answer = survey.answer
    return CaseSurveyBody(
        case_id=survey.case_id, case_number=survey.case_number, status=survey.status,
        skip_reason=survey.skip_reason, closed_at=survey.closed_at, sent_at=survey.sent_at,
        expires_at=survey.expires_at, expired=survey.expired, link=survey.link,
        answer=None if answer is None else SurveyAnswerBody(
            answered_at=answer.answered_at, unsatisfied=answer.unsatisfied, overall=answer.overall,
            response_speed=answer.response_speed, attitude=answer.attitude, resolved=answer.resolved,
            recommend=answer.recommend, comment=answer.comment))
