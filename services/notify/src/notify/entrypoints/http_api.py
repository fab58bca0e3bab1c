"""HTTP: deliveries, resend, templates (typed OpenAPI), and the providers' receipt callbacks."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated, Any

from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.errors import InvalidArgument, PermissionDenied
from aftercare_platform.servers.http_guard import accepts
from aftercare_platform.servers.http_openapi import problem_responses
from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, Field

from notify.api import NotifyApi
from notify.channels.sms_gateways import verify_twilio
from notify.domain.receipts import ProviderReceipt
from notify.domain.vocabulary import Channel
from notify.receipts import ReceiptBook
from notify.templating import MessageTemplate, TemplateKey

PrincipalDep = Annotated[Principal, Depends(require_principal)]


class ReceiptOut(BaseModel):
    provider: str
    status: str
    received_at: datetime
    detail: str


class DeliveryOut(BaseModel):
    delivery_id: str
    event_id: str
    event_type: str
    case_id: str
    case_number: str
    recipient_id: str
    recipient_name: str
    role: str
    channel: Channel
    address: str
    state: str
    language: str
    template: str
    template_version: int
    subject: str
    text: str
    sms_segments: int
    provider: str
    attempts: int
    last_error: str
    hold_reason: str
    digest_id: str | None
    created_at: datetime
    not_before: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    receipts: list[ReceiptOut] = Field(default_factory=list)

    @classmethod
    def of(cls, row: Any, found: list[Any] = ()) -> DeliveryOut:  # type: ignore[assignment]
        return cls(delivery_id=row.id, **{k: getattr(row, k) for k in cls.model_fields
                                          if k not in ("delivery_id", "receipts")},
                   receipts=[ReceiptOut(provider=r.provider, status=r.status, received_at=r.received_at,
                                        detail=r.detail) for r in found])


class DeliveryPage(BaseModel):
    deliveries: list[DeliveryOut]
    next_page_token: str


class ResendIn(BaseModel):
    request_id: str = Field(min_length=1, max_length=200)
    reason: str = ""


class TemplateIn(BaseModel):
    event_type: str = Field(min_length=1)
    channel: Channel
    language: str = "zh-CN"
    subject: str = ""
    body: str = ""
    html: str = ""


class TemplateOut(TemplateIn):
    version: int


class PreviewIn(BaseModel):
    event_type: str = Field(min_length=1)
    channel: Channel
    language: str = "zh-CN"
    event_id: str = ""
    draft: TemplateIn | None = None


class PreviewOut(BaseModel):
    subject: str
    text: str
    html: str
    sms_segments: int
    sms_encoding: str
    template_version: int


def _template_out(t: MessageTemplate) -> TemplateOut:
    return TemplateOut(event_type=t.key.event_type, channel=t.key.channel, language=t.key.language,
                       subject=t.subject, body=t.body, html=t.html, version=t.version)


def notify_router(api: NotifyApi) -> APIRouter:
    router = APIRouter(prefix="/v1/notify", tags=["notify"])

    @router.get("/deliveries")
    async def list_deliveries(principal: PrincipalDep, case_id: str = "", recipient_id: str = "",
                              page_size: Annotated[int, Query(ge=0, le=1000)] = 0,
                              page_token: str = "") -> DeliveryPage:
        rows, token = await api.list_deliveries(principal, case_id, recipient_id, page_size, page_token)
        return DeliveryPage(deliveries=[DeliveryOut.of(r) for r in rows], next_page_token=token)

    @router.get("/deliveries/{delivery_id}")
    async def get_delivery(principal: PrincipalDep, delivery_id: str) -> DeliveryOut:
        view = await api.get_delivery(principal, delivery_id)
        return DeliveryOut.of(view.row, view.receipts)

    @router.post("/deliveries/{delivery_id}/resend")
    async def resend(principal: PrincipalDep, delivery_id: str, body: ResendIn) -> DeliveryOut:
        view = await api.resend(principal, delivery_id, body.request_id, body.reason)
        return DeliveryOut.of(view.row, view.receipts)

    @router.post("/templates/preview")
    async def preview(principal: PrincipalDep, body: PreviewIn) -> PreviewOut:
        key = TemplateKey(body.event_type, body.channel, body.language)
        draft = body.draft
        template = MessageTemplate(key, 0, draft.body, draft.subject, draft.html) if draft and draft.body else None
        r = await api.preview(principal, key, body.event_id, template)
        return PreviewOut(subject=r.subject, text=r.text, html=r.html, sms_segments=r.sms.segments if r.sms else 0,
                          sms_encoding=str(r.sms.encoding) if r.sms else "", template_version=r.version)

    @router.get("/templates")
    async def list_templates(principal: PrincipalDep, event_type: str = "") -> list[TemplateOut]:
        return [_template_out(t) for t in await api.list_templates(principal, event_type)]

    @router.put("/templates")
    async def save_template(principal: PrincipalDep, body: TemplateIn) -> TemplateOut:
        key = TemplateKey(body.event_type, body.channel, body.language)
        return _template_out(await api.save_template(principal, MessageTemplate(key, 0, body.body, body.subject,
                                                                                body.html)))

    return router


def receipts_router(book: ReceiptBook, *, twilio_token: str, twilio_url: str, aliyun_token: str) -> APIRouter:
    """The providers call these without our tokens: each is authenticated by the provider's own means."""
    router = APIRouter(prefix="/v1/notify/receipts", tags=["notify receipts"])

    @router.post("/twilio", responses=problem_responses(403))
    @accepts("application/x-www-form-urlencoded")  # Twilio posts its status callbacks as a form
    async def twilio(request: Request,
                     signature: Annotated[str, Header(alias="X-Twilio-Signature")] = "") -> dict[str, str]:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not twilio_token or not verify_twilio(twilio_url, form, signature, twilio_token):
            raise PermissionDenied("the X-Twilio-Signature does not verify")
        if not form.get("MessageSid") or not form.get("MessageStatus"):
            raise InvalidArgument.for_field("MessageSid", "MessageSid and MessageStatus are required")
        outcome = await book.apply(ProviderReceipt("twilio", form["MessageSid"], form["MessageStatus"],
                                                   datetime.now(UTC), form.get("ErrorCode", "")))
        return {"outcome": outcome}

    @router.post("/aliyun", responses=problem_responses(403))
    async def aliyun(reports: list[dict[str, Any]],
                     authorization: Annotated[str, Header()] = "") -> dict[str, Any]:
        if not aliyun_token or not hmac.compare_digest(authorization, f"Bearer {aliyun_token}"):
            raise PermissionDenied("the receipt token is missing or wrong")
        for i, report in enumerate(reports):
            if not report.get("biz_id"):
                raise InvalidArgument.for_field(f"[{i}].biz_id", "is required")
            status = "delivered" if report.get("success") else "undelivered"
            at = datetime.now(UTC)
            await book.apply(ProviderReceipt("aliyun", str(report["biz_id"]), status, at,
                                             str(report.get("err_code", "")), str(report.get("out_id", ""))))
        return {"code": 0, "msg": "成功"}

    return router
