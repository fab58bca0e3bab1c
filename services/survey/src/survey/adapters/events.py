"""The events survey emits: their types and payloads (messages of its proto file)."""

from __future__ import annotations

from datetime import datetime

from aftercare.survey.v1 import survey_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp

from survey.domain.invitation import Invitation
from survey.domain.questionnaire import Answer
from survey.domain.return_visit import ReturnVisit

SURVEY_SENT = "aftercare.survey.sent.v1"
SURVEY_COMPLETED = "aftercare.survey.completed.v1"
SURVEY_UNSATISFIED = "aftercare.survey.unsatisfied.v1"
RETURN_VISIT_RECORDED = "aftercare.return_visit.recorded.v1"


def timestamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def survey_sent(invitation: Invitation, link: str, now: datetime, *, reminder: bool = False) -> pb.SurveySent:
    assert invitation.expires_at is not None
    return pb.SurveySent(
        invitation_id=invitation.id, case_id=invitation.case_id, case_number=invitation.case_number,
        region=invitation.region, company_id=invitation.company_id, link=link,
        contact_name=invitation.contact_name, contact_phone=invitation.contact_phone,
        contact_email=invitation.contact_email, language=invitation.language,
        expires_time=timestamp(invitation.expires_at), occurred_at=timestamp(now),
        campaign_id=invitation.campaign_id or "", reminder=reminder, opt_out_link=f"{link}/opt-out",
    )


def survey_completed(invitation: Invitation, answer: Answer, unsatisfied: bool, now: datetime) -> pb.SurveyCompleted:
    return pb.SurveyCompleted(
        invitation_id=invitation.id, case_id=invitation.case_id, case_number=invitation.case_number,
        region=invitation.region, company_id=invitation.company_id, engineer_id=invitation.engineer_id,
        overall=answer.rating("overall") or 0, response_speed=answer.rating("response_speed") or 0,
        attitude=answer.rating("attitude") or 0, resolved=bool(answer.flag("resolved")),
        comment=answer.text("comment"), unsatisfied=unsatisfied, occurred_at=timestamp(now),
        questionnaire=invitation.questionnaire,
    )


def survey_unsatisfied(invitation: Invitation, answer: Answer, return_visit_id: str,
                       now: datetime) -> pb.SurveyUnsatisfied:
    return pb.SurveyUnsatisfied(
        invitation_id=invitation.id, case_id=invitation.case_id, case_number=invitation.case_number,
        region=invitation.region, company_id=invitation.company_id, engineer_id=invitation.engineer_id,
        overall=answer.rating("overall") or 0, resolved=bool(answer.flag("resolved")),
        comment=answer.text("comment"), occurred_at=timestamp(now), return_visit_id=return_visit_id,
    )


def return_visit_recorded(visit: ReturnVisit, region: str, now: datetime) -> pb.ReturnVisitRecorded:
    outcome = visit.outcome
    return pb.ReturnVisitRecorded(
        return_visit_id=visit.id, case_id=visit.case_id, case_number=visit.case_number, region=region,
        company_id=visit.company_id, engineer_id=visit.engineer_id,
        reached=bool(outcome and outcome.reached), satisfaction=(outcome.satisfaction or 0) if outcome else 0,
        comments=outcome.comments if outcome else "", follow_up=bool(outcome and outcome.follow_up),
        status=visit.status.value, attempts=visit.attempts, occurred_at=timestamp(now),
    )
