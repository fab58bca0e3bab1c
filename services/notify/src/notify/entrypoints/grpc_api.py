"""aftercare.notify.v1.NotifyService: thin translation between the wire and NotifyApi."""

from __future__ import annotations

from typing import Any

from aftercare.common.v1 import common_pb2
from aftercare.notify.v1 import notify_pb2 as pb
from aftercare.notify.v1 import notify_pb2_grpc
from aftercare_platform.auth.context import current_principal

from notify.adapters import proto_mapping as m
from notify.api import NotifyApi
from notify.templating import MessageTemplate

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["NotifyService"].full_name


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, api: NotifyApi) -> None:
        self._api = api

    async def ListDeliveries(self, request: pb.ListDeliveriesRequest, context: Any) -> pb.ListDeliveriesResponse:
        rows, token = await self._api.list_deliveries(current_principal(), request.case_id, request.recipient_id,
                                                      request.page.page_size, request.page.page_token)
        return pb.ListDeliveriesResponse(deliveries=[m.delivery_message(r) for r in rows],
                                         page=common_pb2.PageResponse(next_page_token=token))

    async def GetDelivery(self, request: pb.GetDeliveryRequest, context: Any) -> pb.GetDeliveryResponse:
        view = await self._api.get_delivery(current_principal(), request.delivery_id)
        return pb.GetDeliveryResponse(delivery=m.delivery_message(view.row, view.receipts))

    async def Resend(self, request: pb.ResendRequest, context: Any) -> pb.ResendResponse:
        view = await self._api.resend(current_principal(), request.delivery_id, request.request_id, request.reason)
        return pb.ResendResponse(delivery=m.delivery_message(view.row, view.receipts))

    async def PreviewTemplate(self, request: pb.PreviewTemplateRequest, context: Any) -> pb.PreviewTemplateResponse:
        key = m.template_key(request.event_type, request.channel, request.language)
        d = request.draft
        draft = MessageTemplate(key, 0, d.body, d.subject, d.html) if d.body else None
        rendered = await self._api.preview(current_principal(), key, request.event_id, draft)
        return pb.PreviewTemplateResponse(
            subject=rendered.subject, text=rendered.text, html=rendered.html,
            sms_segments=rendered.sms.segments if rendered.sms else 0,
            sms_encoding=str(rendered.sms.encoding) if rendered.sms else "", template_version=rendered.version)

    async def SaveTemplate(self, request: pb.SaveTemplateRequest, context: Any) -> pb.SaveTemplateResponse:
        saved = await self._api.save_template(current_principal(), m.template_from(request.template))
        return pb.SaveTemplateResponse(template=m.template_message(saved))

    async def ListTemplates(self, request: pb.ListTemplatesRequest, context: Any) -> pb.ListTemplatesResponse:
        found = await self._api.list_templates(current_principal(), request.event_type)
        return pb.ListTemplatesResponse(templates=[m.template_message(t) for t in found])

    async def ListRules(self, request: pb.ListRulesRequest, context: Any) -> pb.ListRulesResponse:
        rules, overrides = await self._api.rules(current_principal())
        return pb.ListRulesResponse(rules=[m.rule_message(r) for r in rules],
                                    overrides=[m.override_message(o) for o in overrides])

    async def SetCompanyOverride(self, request: pb.SetCompanyOverrideRequest,
                                 context: Any) -> pb.SetCompanyOverrideResponse:
        saved = await self._api.set_override(current_principal(), m.override_from(request.override))
        return pb.SetCompanyOverrideResponse(override=m.override_message(saved))

    async def SetStaffMember(self, request: pb.SetStaffMemberRequest, context: Any) -> pb.SetStaffMemberResponse:
        saved = await self._api.set_staff(current_principal(), m.staff_from(request.member))
        return pb.SetStaffMemberResponse(member=m.staff_message(saved))
