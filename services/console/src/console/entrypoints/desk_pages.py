"""The queue (SLA urgency order, filters, saved views), the portal's case list, the supervisor's view
and the reports with their CSV."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qsl, urlencode

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.common.v1.common_pb2 import PageRequest
from aftercare.dispatch.v1 import dispatch_pb2 as dispatch_pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.errors import DomainError, InvalidArgument, PermissionDenied
from aftercare_platform.servers.http_guard import accepts
from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.adapters.vocabulary import CLOCK_KINDS, PRIORITIES
from console.domain.queue import QueueFilter
from console.domain.reports import ageing_buckets, compliance_table
from console.entrypoints.views import case_view
from console.entrypoints.web import FORM_TYPES, SECURITY_HEADERS, Viewer, Web, see_other, to_login


def router(web: Web) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    async def staff(request: Request) -> Viewer | Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        if viewer.is_customer:
            return web.error_page(request, viewer, PermissionDenied("the desk is for staff"))
        return viewer

    @pages.get("/queue")
    async def queue(request: Request) -> Response:
        viewer = await staff(request)
        if not isinstance(viewer, Viewer):
            return viewer
        chosen = QueueFilter.of(dict(request.query_params))
        rows = await web.reads.queue(viewer.principal, chosen)
        views = await web.reads.saved_views(viewer.principal.subject)
        return web.render(request, "queue.html", viewer, rows=rows, chosen=chosen, views=views, bulk=True,
                          query=urlencode(chosen.as_query()), refresh=web.settings.queue_refresh_seconds)

    @pages.get("/queue/rows")
    async def queue_rows(request: Request) -> Response:
        viewer = await staff(request)
        if not isinstance(viewer, Viewer):
            return viewer
        rows = await web.reads.queue(viewer.principal, QueueFilter.of(dict(request.query_params)))
        return web.fragment("queue_rows.html", viewer, rows=rows, bulk=True)

    @pages.post("/queue/views")
    @accepts(*FORM_TYPES)
    async def save_view(request: Request) -> Response:
        viewer = await staff(request)
        if not isinstance(viewer, Viewer):
            return viewer
        try:
            values = await web.checked_form(request, viewer)
            name = values.get("name", "").strip()[:80]
            if not name:
                raise InvalidArgument.for_field("name", "is required")
        except DomainError as refused:
            return web.error_page(request, viewer, refused)
        query = urlencode(QueueFilter.of(dict(parse_qsl(values.get("query", "")))).as_query())
        await web.handlers.save_view(viewer.principal.subject, name, query)
        return see_other(f"/queue?{query}")

    @pages.post("/queue/bulk-assign")
    @accepts(*FORM_TYPES)
    async def bulk_assign(request: Request) -> Response:
        """Assign the ticked cases to one engineer; each Assign carries a key of its own (a retry acts once)."""
        viewer = await staff(request)
        if not isinstance(viewer, Viewer):
            return viewer
        try:
            values = await web.checked_form(request, viewer)
            case_ids = [str(v) for v in (await request.form()).getlist("case")][:100]
            if not case_ids:
                raise InvalidArgument.for_field("case", "tick at least one case")
            assignee = values.get("assignee_id", "").strip()
            if not assignee:
                raise InvalidArgument.for_field("assignee_id", "is required")

            async def perform(request_id: str) -> str:
                for case_id in case_ids:
                    await web.services.call(web.services.cases.Assign, cases_pb.AssignRequest(
                        case_id=case_id, assignee_id=assignee, reason=values.get("reason", "").strip(),
                        request_id=f"{request_id}-{case_id}"), viewer.token)
                return f"{len(case_ids)} assigned"

            await web.once(viewer, values, "bulk_assign", ",".join(case_ids)[:64], perform)
        except DomainError as refused:
            return web.error_page(request, viewer, refused)
        return see_other(f"/queue?{urlencode(QueueFilter.of(dict(parse_qsl(values.get('query', '')))).as_query())}")

    @pages.get("/portal")
    async def portal(request: Request) -> Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        try:
            listed = await web.services.call(web.services.cases.ListCases, cases_pb.ListCasesRequest(
                sort_field=cases_pb.CASE_SORT_FIELD_UPDATED_AT, page=PageRequest(page_size=100)), viewer.token)
        except DomainError as refused:
            return web.error_page(request, viewer, refused)
        return web.render(request, "portal.html", viewer, cases=[case_view(c) for c in listed.cases])

    @pages.get("/supervisor")
    async def supervisor(request: Request) -> Response:
        viewer = await staff(request)
        if not isinstance(viewer, Viewer):
            return viewer
        urgent = [row for row in await web.reads.queue(viewer.principal, QueueFilter(), limit=100) if row.urgency <= 1]
        complaints = await web.reads.queue(viewer.principal, QueueFilter(view="complaints"), limit=100)
        load = await web.reads.load_by_assignee(viewer.principal)
        on_duty: list[str] | None
        try:
            region = sorted(viewer.principal.regions)[0] if viewer.principal.regions else web.settings.region
            duty = await web.services.call(web.services.dispatch.WhoIsOnDuty,
                                           dispatch_pb.WhoIsOnDutyRequest(region=region), viewer.token)
            on_duty = list(duty.engineer_ids)
        except DomainError:
            on_duty = None
        return web.render(request, "supervisor.html", viewer, urgent=urgent, complaints=complaints, load=load,
                          on_duty=on_duty)

    async def report_data(viewer: Viewer) -> tuple[dict[str, object] | None, list[tuple[str, int]]]:
        ageing = ageing_buckets(await web.reads.open_created_times(viewer.principal), web.clock.now())
        try:
            report = await web.services.call(web.services.sla.GetComplianceReport,
                                             sla_pb.GetComplianceReportRequest(), viewer.token)
        except DomainError:
            return None, ageing
        rows = [(PRIORITIES.short(r.priority, "priority") or "", CLOCK_KINDS.short(r.clock_kind, "clock") or "",
                 r.month, r.region, r.company_id, int(r.met), int(r.breached)) for r in report.rows]
        return compliance_table(rows), ageing

    @pages.get("/reports")
    async def reports(request: Request) -> Response:
        viewer = await staff(request)
        if not isinstance(viewer, Viewer):
            return viewer
        compliance, ageing = await report_data(viewer)
        return web.render(request, "reports.html", viewer, compliance=compliance, ageing=ageing)

    @pages.get("/reports/compliance.csv")
    async def compliance_csv(request: Request) -> Response:
        viewer = await staff(request)
        if not isinstance(viewer, Viewer):
            return viewer
        compliance, _ = await report_data(viewer)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["priority", "clock", "month", "region", "company_id", "met", "breached", "percent"])
        for row in (compliance or {}).get("rows", []):  # type: ignore[attr-defined]
            writer.writerow(row)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            **SECURITY_HEADERS, "content-disposition": 'attachment; filename="sla-compliance.csv"'})

    return pages
