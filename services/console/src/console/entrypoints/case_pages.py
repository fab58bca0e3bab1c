"""The case page (agents, engineers and customers alike: the services decide what each may see and do),
its action forms, and a new case from a phone call or from the portal."""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any
from urllib.parse import quote

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.common.v1.common_pb2 import PageRequest
from aftercare.dispatch.v1 import dispatch_pb2 as dispatch_pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound
from aftercare_platform.servers.error_statuses import statuses_of
from aftercare_platform.servers.http_guard import accepts
from fastapi import APIRouter, Request
from fastapi.responses import Response
from google.protobuf.json_format import MessageToDict
from starlette.datastructures import UploadFile

from console.adapters.vocabulary import PRIORITIES, SEVERITIES
from console.entrypoints.case_forms import ACTIONS, offered
from console.entrypoints.case_survey import case_survey, open_survey_link
from console.entrypoints.case_work import case_work
from console.entrypoints.views import case_view, entry_view, similar_view, sla_view
from console.entrypoints.web import FORM_TYPES, Viewer, Web, see_other, to_login

RECEIPT_WAIT_SECONDS = 8.0


CASE_NUMBER = re.compile(r"^[A-Z]{2,}-\d{8}-\d{6}$")


def _ref(ref: str) -> dict[str, str]:
    """A case is reached by its number (`EA-20261121-000042`) or its id (a UUID)."""
    return {"case_number": ref} if CASE_NUMBER.match(ref) else {"case_id": ref}


def router(web: Web) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    async def case_page(request: Request, viewer: Viewer, ref: str, status: int = 200,
                        errors: dict[str, DomainError] | None = None) -> Response:
        try:
            case = (await web.services.call(web.services.cases.GetCase, cases_pb.GetCaseRequest(**_ref(ref)),
                                            viewer.token)).case
            timeline = await web.services.call(web.services.cases.GetTimeline, cases_pb.GetTimelineRequest(
                case_id=case.case_id, page=PageRequest(page_size=200)), viewer.token)
        except DomainError as refused:
            return web.error_page(request, viewer, refused)
        clocks: list[dict[str, Any]] | None
        try:
            clocks = sla_view((await web.services.call(web.services.sla.GetCaseSla, sla_pb.GetCaseSlaRequest(
                case_id=case.case_id), viewer.token)).case_sla)
        except DomainError:
            clocks = None  # the page still serves: the panel says the clocks are unavailable
        why = None if viewer.is_customer or not case.assignee_id else await _why_engineer(web, viewer, case.case_id)
        similar = None if viewer.is_customer else await _similar(web, viewer, case.case_id)
        work = await case_work(web, viewer, case.case_id)
        shown = case_view(case)
        survey = await case_survey(web, viewer, case.case_id, shown["status"])
        return web.render(request, "case.html", viewer, status=status, case=shown, why=why, similar=similar,
                          work=work, survey=survey,
                          timeline=[entry_view(e) for e in timeline.entries], clocks=clocks,
                          forms=offered(list(case.allowed_actions), viewer.is_customer, viewer.is_supervisor,
                                        len([c for c in case.complaints if not c.handled_by_id])),
                          errors=errors or {})

    @pages.get("/cases/{ref}")
    async def show(request: Request, ref: str) -> Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        return await case_page(request, viewer, ref)

    @pages.post("/cases/{ref}/{action}")
    @accepts(*FORM_TYPES)
    async def act(request: Request, ref: str, action: str) -> Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        chosen = ACTIONS.get(action)
        if chosen is None:
            return web.error_page(request, viewer, NotFound(f"no action {action!r}"))
        try:
            values = await web.checked_form(request, viewer)
            case = (await web.services.call(web.services.cases.GetCase, cases_pb.GetCaseRequest(**_ref(ref)),
                                            viewer.token)).case

            async def perform(request_id: str) -> str:
                message = chosen.request(values, case.case_id, request_id)
                await web.services.call(chosen.method(web.services), message, viewer.token)
                return "done"

            await web.once(viewer, values, action, case.case_id, perform)
        except DomainError as refused:
            if isinstance(refused, InvalidArgument | FailedPrecondition):
                return await case_page(request, viewer, ref, status=400, errors={action: refused})
            return web.error_page(request, viewer, refused)
        return see_other(f"/cases/{case.case_number or case.case_id}")

    @pages.post("/cases/{ref}/survey/open")
    @accepts(*FORM_TYPES)
    async def give_feedback_now(request: Request, ref: str) -> Response:
        """The customer's "give feedback now": off to survey's own form with the link survey opened."""
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        try:
            values = await web.checked_form(request, viewer)
            case = (await web.services.call(web.services.cases.GetCase, cases_pb.GetCaseRequest(**_ref(ref)),
                                            viewer.token)).case
            link = await open_survey_link(web, viewer, case.case_id, values)
        except DomainError as refused:
            if isinstance(refused, InvalidArgument | FailedPrecondition):
                return await case_page(request, viewer, ref, status=400, errors={"survey_now": refused})
            return web.error_page(request, viewer, refused)
        return see_other(f"{link}?lang={viewer.lang}" if link else f"/cases/{case.case_number or case.case_id}")

    @pages.get("/calls/new")
    async def new_call(request: Request) -> Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        return web.render(request, "new_call.html", viewer, values={}, error=None)

    @pages.post("/calls")
    @accepts(*FORM_TYPES)
    async def submit_call(request: Request) -> Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        values: dict[str, str] = {}
        try:
            values = await web.checked_form(request, viewer)
            files = await attachments((await request.form()).getlist("attachment"))
            severity: Any = SEVERITIES.number(values.get("severity") or None, "severity")
            customer = viewer.is_customer
            submit = intake_pb.SubmitCaseRequest(
                partner_request_id=values.get("request_id", ""),
                reporter=intake_pb.Reporter(name=values.get("name", "").strip(), phone=values.get("phone", "").strip(),
                                            email=values.get("email", "").strip()),
                # a customer reports for its own company only, whatever the form says
                hints=intake_pb.ReportHints(company=(viewer.principal.company_id or "") if customer
                                            else values.get("company", "").strip(),
                                            serial_number=values.get("serial", "").strip(),
                                            manufacturer=values.get("manufacturer", "").strip()),
                summary=values.get("summary", "").strip(), description=values.get("description", "").strip(),
                stated_severity=severity, attachments=files,
                channel=intake_pb.INTAKE_CHANNEL_WEB_FORM if customer else intake_pb.INTAKE_CHANNEL_AGENT_PHONE)
            receipt_id = ""

            async def perform(request_id: str) -> str:
                nonlocal receipt_id
                if customer:
                    receipt_id = await web.services.web_form(web_form_report(submit), end_client(viewer))
                else:
                    answer = await web.services.call(web.services.intake.SubmitCase, submit, viewer.token)
                    receipt_id = str(answer.receipt.receipt_id)
                return receipt_id

            if not await web.once(viewer, values, "new_case", "", perform):
                receipt_id = await web.reads.outcome(values["request_id"], viewer.principal.subject) or ""
        except DomainError as refused:
            # a refusal keeps its status: 400 for the form's fields, 429 when intake's limit was reached
            return web.render(request, "new_call.html", viewer, status=int(statuses_of(refused).http), values=values,
                              error=refused)
        return see_other(f"/calls/{receipt_id}" if receipt_id else "/calls/new")

    @pages.get("/calls/{receipt_id}")
    async def receipt(request: Request, receipt_id: str) -> Response:
        viewer = await web.viewer(request)
        if viewer is None:
            return to_login(request)
        try:
            found = await _settled_receipt(web, viewer, receipt_id)
        except DomainError as refused:
            return web.error_page(request, viewer, refused)
        ident = found.identification
        return web.render(request, "receipt.html", viewer, case_number=found.case_number,
                          case_id=found.case_id,
                          suggested=PRIORITIES.short(ident.suggested_priority, "suggested_priority") or "",
                          priority_reason=ident.priority_reason)

    return pages


async def _why_engineer(web: Web, viewer: Viewer, case_id: str) -> dict[str, str] | None:
    """Dispatch's latest decision on the case (who, by which rule, why); None when dispatch cannot say."""
    try:
        answer = await web.services.call(web.services.dispatch.ExplainAssignment,
                                         dispatch_pb.ExplainAssignmentRequest(case_id=case_id), viewer.token)
    except DomainError:
        return None
    if not answer.decisions:
        return None
    latest = answer.decisions[-1]
    return {"engineer": latest.chosen_engineer_id, "rule": latest.rule, "summary": latest.summary}


async def _similar(web: Web, viewer: Viewer, case_id: str) -> list[dict[str, Any]] | None:
    """Cases' most similar resolved cases, as far as the viewer may see them; None when cases cannot say."""
    try:
        answer = await web.services.call(web.services.cases.FindSimilarCases,
                                         cases_pb.FindSimilarCasesRequest(case_id=case_id), viewer.token)
    except DomainError:
        return None
    return similar_view(list(answer.cases))


def end_client(viewer: Viewer) -> str:
    """Who intake's web-form limit counts this post against: the signed-in user, not the console."""
    return "user:" + quote(viewer.principal.subject, safe="@._-")[:160]


def web_form_report(submit: intake_pb.SubmitCaseRequest) -> dict[str, Any]:
    """The report as intake's web form takes it (JSON, short forms)."""
    report = MessageToDict(submit, preserving_proto_field_name=True)
    severity = SEVERITIES.short(submit.stated_severity, "severity")
    return {"reporter": report.get("reporter", {}), "hints": report.get("hints", {}),
            "summary": submit.summary or None, "description": submit.description,
            "attachments": [{"filename": a.filename, "content_type": a.content_type or None,
                             "content_base64": base64.b64encode(a.content).decode("ascii")}
                            for a in submit.attachments],
            **({"severity": severity} if severity else {})}


MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES = 10, 10 * 1024 * 1024


async def attachments(parts: list[Any]) -> list[intake_pb.AttachmentUpload]:
    """The files chosen in the form (a browser posts an empty part when none is chosen); intake stores them.
    Starlette's own UploadFile: the form parser does not make FastAPI's subclass."""
    chosen = [part for part in parts if isinstance(part, UploadFile) and part.filename]
    if len(chosen) > MAX_ATTACHMENTS:
        raise InvalidArgument.for_field("attachment", f"at most {MAX_ATTACHMENTS} files")
    files = []
    for part in chosen:
        content = await part.read(MAX_ATTACHMENT_BYTES + 1)
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidArgument.for_field("attachment", f"{part.filename} is larger than 10 MB")
        files.append(intake_pb.AttachmentUpload(filename=part.filename or "", content=content,
                                                content_type=part.content_type or ""))
    return files


async def _settled_receipt(web: Web, viewer: Viewer, receipt_id: str) -> Any:
    """The receipt once it names its case (intake hands the report to cases at once; wait briefly)."""
    deadline = asyncio.get_running_loop().time() + RECEIPT_WAIT_SECONDS
    while True:
        found = (await web.services.call(web.services.intake.GetReceipt,
                                         intake_pb.GetReceiptRequest(receipt_id=receipt_id), viewer.token)).receipt
        if found.case_number or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)
