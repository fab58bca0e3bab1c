"""The case's satisfaction survey on the case page, read from survey with the viewer's own token (so a
customer sees only its own company's, and only a customer who may answer gets the link), shaped for
case_survey.html."""

from __future__ import annotations

from typing import Any

from aftercare.survey.v1 import survey_pb2 as survey_pb
from aftercare_platform.errors import DomainError, NotFound, PermissionDenied

from console.adapters.vocabulary import INVITATION_STATUSES, SKIP_REASONS
from console.entrypoints.views import when
from console.entrypoints.web import Viewer, Web


def survey_view(found: survey_pb.CaseSurvey) -> dict[str, Any]:
    """Status and skip reason in their short forms, the link (http(s) only), the answer once answered."""
    answer = found.answer if found.HasField("answer") else None
    link = found.link if found.link.startswith(("https://", "http://")) else ""
    return {
        "status": INVITATION_STATUSES.short(found.status, "status") or "",
        "skip_reason": SKIP_REASONS.short(found.skip_reason, "skip_reason") or "",
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
    return survey_view(found.survey)
