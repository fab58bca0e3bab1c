"""DispatchService's methods for assignments a person asks for and the original vendor (a part of the
servicer, kept apart so each file stays small)."""

from __future__ import annotations

from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.auth.context import current_principal
from aftercare_platform.errors import InvalidArgument

from dispatch.adapters.decision_mapping import decision_to_proto
from dispatch.adapters.proto_values import instant
from dispatch.adapters.vendor_mapping import engagement_to_proto
from dispatch.assignment_handlers import AssignmentHandlers
from dispatch.entrypoints.access import require_manager, require_staff
from dispatch.vendor_handlers import VendorHandlers


def caller_token(context: Any) -> str:
    """The caller's own `Bearer ...` header, passed on to cases for a change that is theirs."""
    return next((str(v) for k, v in context.invocation_metadata() or () if k == "authorization"), "")


def required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument.for_field(field, "is required")
    return value.strip()


class AssignmentRpcs:
    _assignments: AssignmentHandlers
    _vendors: VendorHandlers

    async def TakeOverCase(self, request: pb.TakeOverCaseRequest, context: Any) -> pb.TakeOverCaseResponse:
        principal = current_principal()
        require_staff(principal)
        decision = await self._assignments.take_over(principal, required(request.case_id, "case_id"), request.reason,
                                                     caller_token(context))
        return pb.TakeOverCaseResponse(decision=decision_to_proto(decision))

    async def ReplaceAssignee(self, request: pb.ReplaceAssigneeRequest, context: Any) -> pb.ReplaceAssigneeResponse:
        principal = current_principal()
        require_manager(principal)
        complaint = request.complaint_sequence if request.HasField("complaint_sequence") else None
        decision = await self._assignments.replace_assignee(
            principal, required(request.case_id, "case_id"), request.engineer_id.strip(),
            required(request.reason, "reason"), complaint, caller_token(context))
        return pb.ReplaceAssigneeResponse(decision=decision_to_proto(decision))

    async def AddExpert(self, request: pb.AddExpertRequest, context: Any) -> pb.AddExpertResponse:
        principal = current_principal()
        require_staff(principal)
        decision = await self._assignments.add_expert(principal, required(request.case_id, "case_id"),
                                                      request.engineer_id.strip(), request.reason)
        return pb.AddExpertResponse(decision=decision_to_proto(decision))

    async def EngageVendor(self, request: pb.EngageVendorRequest, context: Any) -> pb.EngageVendorResponse:
        principal = current_principal()
        require_staff(principal)
        if not request.HasField("promised_response"):
            raise InvalidArgument.for_field("promised_response", "is required")
        engagement = await self._vendors.engage(
            principal, case_id=required(request.case_id, "case_id"), contact_id=request.vendor_contact_id,
            ticket=request.vendor_ticket, promised_response=request.promised_response.ToTimedelta(),
            reason=required(request.reason, "reason"))
        return pb.EngageVendorResponse(engagement=engagement_to_proto(engagement, self._vendors.now()))

    async def RecordVendorResponse(
        self, request: pb.RecordVendorResponseRequest, context: Any
    ) -> pb.RecordVendorResponseResponse:
        principal = current_principal()
        require_staff(principal)
        engagement = await self._vendors.respond(
            principal, required(request.case_id, "case_id"), request.response,
            instant(request.responded_time, "responded_time", required=False))
        return pb.RecordVendorResponseResponse(engagement=engagement_to_proto(engagement, self._vendors.now()))

    async def GetVendorEngagement(
        self, request: pb.GetVendorEngagementRequest, context: Any
    ) -> pb.GetVendorEngagementResponse:
        principal = current_principal()
        require_staff(principal)
        engagement = await self._vendors.get(principal, required(request.case_id, "case_id"))
        return pb.GetVendorEngagementResponse(engagement=engagement_to_proto(engagement, self._vendors.now()))
