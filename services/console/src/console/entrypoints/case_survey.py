"""The case's satisfaction survey on the case page, read from survey with the viewer's own token (so a
customer sees only its own company's, and only a customer who may answer gets the link), shaped for
case_survey.html."""

from __future__ import annotations

from typing import Any

from aftercare.survey.v1 import survey_pb2 as survey_pb
from aftercare_platform.errors import DomainError, InvalidArgument, NotFound, PermissionDenied

from console.adapters.vocabulary import INVITATION_STATUSES, SKIP_REASONS
from console.domain.forms import valid_request_id
from console.entrypoints.views import when
from console.entrypoints.web import Viewer, Web

# the states a customer may open its survey from at once ("give feedback now"; survey decides for sure)
FEEDBACK_NOW_SKIPS = ("not_sampled", "recently_asked", "opted_out", "no_contact")


def feedback_now(status: str, skip_reason: str, customer: bool) -> bool:
    """Whether the case page offers the customer "give feedback now": scheduled, or skipped for its peace."""
    return customer and (status == "scheduled" or (status == "skipped" and skip_reason in FEEDBACK_NOW_SKIPS))


def survey_view(found: survey_pb.CaseSurvey, customer: bool = False) -> dict[str, Any]:
    """Status and skip reason in their short forms, the link (http(s) only), the answer once answered."""
    answer = found.answer if found.HasField("answer") else None
    link = found.link if found.link.startswith(("https://", "http://")) else ""
    status = INVITATION_STATUSES.short(found.status, "status") or ""
    skip_reason = SKIP_REASONS.short(found.skip_reason, "skip_reason") or ""
    return {
        "status": status, "skip_reason": skip_reason, "feedback_now": feedback_now(status, skip_reason, customer),
        "expired": found.expired, "link": link,
        "answer": None if answer is None else {
            "overall": answer.overall if answer.HasField("overall") else None,
            "resolved": answer.resolved if answer.HasField("resolved") else None,
            "comment": answer.comment, "answered_at": when(answer.answered_time, answer.HasField("answered_time")),
            "unsatisfied": answer.unsatisfied,
        },
    }


async def case_survey(web: Web, viewer: Viewer, case_id: str, case_status: str) -> dict[str, Any] | None:
    """The section's content; {"status": "none"} when a closed case has no survey, {"status": "unavailable"}
    when survey cannot say; None when there is nothing to show (an open case, a role survey shows nothing)."""
    try:
        found = await web.services.call(web.services.survey.GetCaseSurvey,
                                        survey_pb.GetCaseSurveyRequest(case_id=case_id), viewer.token)
    except NotFound:
        return {"status": "none"} if case_status == "closed" else None
    except PermissionDenied:
        return None  # engineers and partner keys read no surveys
    except DomainError:
        return {"status": "unavailable"} if viewer.is_customer or case_status == "closed" else None
    return survey_view(found.survey, viewer.is_customer)


async def open_survey_link(web: Web, viewer: Viewer, case_id: str, values: dict[str, str]) -> str:
    """"Give feedback now": survey opens the case's survey for this customer (the form's request id makes a
    double click the same survey) and gives its link; "" when it has none to give (answered meanwhile)."""
    request_id = values.get("request_id")
    if request_id is None or not valid_request_id(request_id):
        raise InvalidArgument.for_field("request_id", "every form carries the id it was rendered with")
    found = await web.services.call(web.services.survey.OpenCaseSurvey, survey_pb.OpenCaseSurveyRequest(
        case_id=case_id, request_id=request_id), viewer.token)
    return str(survey_view(found.survey, viewer.is_customer)["link"])
