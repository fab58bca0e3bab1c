"""Intake over HTTP: agent entry, the public web form (rate limited), the SMS webhook, receipts,
coverage, the registry and CSV imports. Thin: bodies are read and parsed here, decided in handlers."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated, Any

from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.clock import Clock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import Unauthenticated
from aftercare_platform.paging import PageTokens
from aftercare_platform.servers.error_statuses import PROBLEM_TYPE_BASE
from aftercare_platform.servers.http_guard import accepts
from aftercare_platform.servers.http_openapi import json_body, problem_responses
from aftercare_platform.servers.http_problems import problem_response
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from intake.adapters.rate_limit import ClientLimiter
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel
from intake.domain.web_form_client import END_CLIENT_HEADER, TrustedFrontEnds, limit_key
from intake.entrypoints.grpc_mapping import day
from intake.entrypoints.http_bodies import AgentEntryBody, ReportBody, parse_json, read_body
from intake.entrypoints.http_models import (
    CoverageBody,
    ImportReportBody,
    ReceiptDetails,
    ReceiptSummary,
    RejectionPage,
    receipt_json,
)
from intake.entrypoints.registry_http import registry_router
from intake.entrypoints.requests import AGENTS, AttachmentLimits, decode_base64, report_fields, uploads
from intake.handlers import rejections
from intake.handlers.pipeline import IntakePipeline, Submitted
from intake.handlers.registry import RegistryHandlers
from intake.handlers.registry_import import decode_csv, import_csv
from intake.parsing.csv_import import ImportKind
from intake.parsing.sms_fields import SmsRejected
from intake.parsing.sms_parser import parse_sms_webhook
from intake.reads import check_coverage, get_receipt

# documented as a UUID; checked by the handler's `uuid_field`, so a bad one is the one 400 naming the field
ReceiptId = Annotated[str, Path(description="The receipt id a submission answered with (a UUID).",
                                json_schema_extra={"format": "uuid"})]


@dataclass(frozen=True)
class HttpLimits:
    max_request_bytes: int
    web_form_max_request_bytes: int
    attachments: AttachmentLimits
    sms_webhook_token: str
    sms_webhook_unverified: bool = False  # development only (settings refuse it elsewhere)
    # the front ends whose users the web form's limit counts one by one (the console)
    trusted_front_ends: TrustedFrontEnds = field(default_factory=TrustedFrontEnds)


def _fields(body: ReportBody) -> dict[str, Any]:
    return report_fields(reporter=body.reporter.model_dump(), hints=body.hints.model_dump(), summary=body.summary,
                         description=body.description, error_codes=body.error_codes, category=body.category,
                         kind=body.kind, severity=body.severity, quoted_case_number=body.quoted_case_number,
                         requested_response=body.customer_requested_response)


def _files(body: ReportBody, limits: AttachmentLimits) -> list[Any]:
    items = [(a.filename, a.content_type or "", decode_base64(a.content_base64, f"attachments[{i}].content_base64"))
             for i, a in enumerate(body.attachments)]
    return uploads(items, limits)


def _answer(done: Submitted, *, full: bool) -> JSONResponse:
    code = HTTPStatus.CREATED if done.receipt.case_number else HTTPStatus.ACCEPTED
    return JSONResponse(receipt_json(done.receipt, full=full), status_code=HTTPStatus.OK if done.replayed else code)


def intake_router(database: Database, pipeline: IntakePipeline, registry: RegistryHandlers, clock: Clock,
                  limiter: ClientLimiter, limits: HttpLimits, region: str, page_tokens: PageTokens) -> APIRouter:
    router = APIRouter(prefix="/v1/intake", tags=["intake"])

    @router.post("/agent-entries", status_code=201, response_model=ReceiptDetails,
                 openapi_extra=json_body(AgentEntryBody))
    async def agent_entry(request: Request, principal: Principal = Depends(require_principal)) -> Response:
        """The desk types in a hotline call (or a fax, its scan attached)."""
        require_role(principal, *AGENTS)
        body = parse_json(await read_body(request, limits.max_request_bytes), AgentEntryBody)
        intake_request = IntakeRequest.create(channel=Channel(body.channel), received_at=clock.now(),
                                              partner_id=principal.subject, partner_request_id=body.request_id,
                                              priority=body.priority, submitter_role=principal.role.value,
                                              **_fields(body))
        return _answer(await pipeline.submit(intake_request, _files(body, limits.attachments)), full=True)

    @router.post("/web-form", status_code=201, response_model=ReceiptSummary, openapi_extra=json_body(ReportBody))
    async def web_form(request: Request) -> Response:
        """The customers' form: no login, limited per client address and in size."""
        peer = request.client.host if request.client else "unknown"
        client = limit_key(peer, request.headers.get(END_CLIENT_HEADER), limits.trusted_front_ends)
        allowed, retry_after = await limiter.allow(client)
        if not allowed:
            return problem_response(HTTPStatus.TOO_MANY_REQUESTS, {
                "type": PROBLEM_TYPE_BASE + "rate-limited", "title": "Too many requests",
                "status": int(HTTPStatus.TOO_MANY_REQUESTS), "instance": request.url.path,
                "detail": f"too many reports from {client}; try again in {retry_after:.0f} s",
            }, headers={"Retry-After": str(max(1, round(retry_after)))})
        body = parse_json(await read_body(request, limits.web_form_max_request_bytes), ReportBody)
        intake_request = IntakeRequest.create(channel=Channel.WEB_FORM, received_at=clock.now(), **_fields(body))
        return _answer(await pipeline.submit(intake_request, _files(body, limits.attachments)), full=False)

    @router.post("/sms", status_code=200, response_model=ReceiptSummary, responses=problem_responses(401))
    @accepts("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
    async def sms_webhook(request: Request, token: str = Query(default="")) -> Response:
        """An SMS gateway's inbound-message callback (JSON or form; from, to, text, id)."""
        if not limits.sms_webhook_unverified:
            expected = limits.sms_webhook_token
            given = request.headers.get("x-webhook-token") or token
            if not expected:
                raise Unauthenticated("no SMS webhook token is configured, so no callback can be verified")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise Unauthenticated("the webhook token is missing or wrong")
        raw = await read_body(request, 64 * 1024)
        received_at = clock.now()
        try:
            sms = parse_sms_webhook(raw, received_at=received_at)
        except SmsRejected as rejected:
            await rejections.record(database, rejections.Rejection(
                Channel.SMS, rejected.reason.value, rejected.detail, received_at, field=rejected.field), region)
            raise
        done = await pipeline.submit(sms.request, wait=False)
        return JSONResponse(receipt_json(done.receipt, full=False))

    @router.get("/receipts/{receipt_id}", response_model=ReceiptDetails | ReceiptSummary)
    async def receipt(receipt_id: ReceiptId, request: Request) -> Response:
        """Anyone holding a receipt id may follow it; a token shows who and what was identified."""
        header = request.headers.get("authorization")
        principal = None
        if header:
            principal = await require_principal(request)
        found = await get_receipt(database, receipt_id, principal)
        return JSONResponse(receipt_json(found, full=principal is not None))

    @router.get("/rejections")
    async def list_rejected(channel: Channel | None = None, reason: str = "", page_size: int = 0,
                            page_token: str = "", principal: Principal = Depends(require_principal)) -> RejectionPage:
        """What did not become a case or a note, and why, newest first (staff only)."""
        found, token = await rejections.list_rejections(database, principal, page_tokens, channel=channel,
                                                        reason=reason, page_size=page_size, page_token=page_token)
        return RejectionPage.of(found, token)

    @router.get("/coverage")
    async def coverage(serial_number: str = "", manufacturer: str = "", contract_id: str = "", date: str = "",
                       principal: Principal = Depends(require_principal)) -> CoverageBody:
        return CoverageBody.of(await check_coverage(database, principal, serial_number=serial_number or None,
                                                    manufacturer=manufacturer or None,
                                                    contract_id=contract_id or None, on_date=day(date, "date")))

    @router.post("/registry/{kind}/import")
    @accepts("text/csv", "text/plain", "application/octet-stream")
    async def import_registry(kind: ImportKind, request: Request, first_row: int = 2,
                              principal: Principal = Depends(require_principal)) -> ImportReportBody:
        """A CSV file (header row first): good rows kept, bad rows reported."""
        text = decode_csv(await read_body(request, limits.max_request_bytes * 4))
        return ImportReportBody.of(await import_csv(database, principal, kind, text, first_row=first_row,
                                                    region=region))

    router.include_router(registry_router(registry, limits.max_request_bytes))
    return router
