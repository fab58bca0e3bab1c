"""The case's visits and loaners on the case page, read from dispatch with the viewer's own token (so a
customer sees only its own company's), and shaped for case_work.html."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aftercare.common.v1.common_pb2 import PageRequest
from aftercare.dispatch.v1 import dispatch_pb2 as dispatch_pb
from aftercare_platform.errors import DomainError

from console.adapters.vocabulary import LOANER_STATUSES, VISIT_STATUSES
from console.entrypoints.views import when
from console.entrypoints.web import Viewer, Web

# a case has a handful of visits and loaners; one page of this size shows them all
PAGE = 50
_LAST = datetime.max.replace(tzinfo=UTC)


def visits_view(found: list[dispatch_pb.Visit]) -> list[dict[str, Any]]:
    """Planned time (None until planned), engineer ("" until named), status in its short form; earliest first."""
    rows = [{"id": v.visit_id, "planned": when(v.planned_time, v.HasField("planned_time")),
             "engineer": v.engineer_id, "status": VISIT_STATUSES.short(v.status, "status") or "",
             "requested": when(v.requested_time, v.HasField("requested_time"))} for v in found]
    return sorted(rows, key=lambda r: (r["planned"] or r["requested"] or _LAST, r["id"]))


def loaners_view(found: list[dispatch_pb.Loaner]) -> list[dict[str, Any]]:
    """The device (serial, class), when it is due back, its status; earliest due first."""
    rows = [{"id": x.loaner_id, "serial": x.serial_number, "device_class": x.device_class,
             "due_back": when(x.due_back_time, x.HasField("due_back_time")),
             "status": LOANER_STATUSES.short(x.status, "status") or ""} for x in found]
    return sorted(rows, key=lambda r: (r["due_back"] or _LAST, r["id"]))


async def case_work(web: Web, viewer: Viewer, case_id: str) -> dict[str, Any] | None:
    """{"visits": [...], "loaners": [...]}; None when dispatch cannot say (the page still serves)."""
    try:
        visits = await web.services.call(web.services.dispatch.ListVisits, dispatch_pb.ListVisitsRequest(
            case_id=case_id, page=PageRequest(page_size=PAGE)), viewer.token)
        loaners = await web.services.call(web.services.dispatch.ListLoaners, dispatch_pb.ListLoanersRequest(
            case_id=case_id, page=PageRequest(page_size=PAGE)), viewer.token)
    except DomainError:
        return None
    return {"visits": visits_view(list(visits.visits)), "loaners": loaners_view(list(loaners.loaners))}
