"""aftercare.cases.v1.CaseService: thin translation between the wire and the handlers.

The caller is the token's principal; errors are DomainErrors, mapped to statuses by the platform."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.common.v1 import common_pb2
from aftercare_platform.auth.context import current_principal
from aftercare_platform.contracts.limits import MAX_CREATIONS_PER_CALL
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import page_size
from aftercare_platform.servers.grpc_errors import refusal_of, status_details

from cases.adapters.proto_mapping import case_message, timeline_entry_message
from cases.command_batch import CaseCommand, Outcome
from cases.domain import commands
from cases.domain.actors import Actor
from cases.domain.case import Case
from cases.domain.queries import CaseQuery
from cases.domain.vocabulary import CancelReason, ComplaintAbout, Priority, Tier, Visibility
from cases.entrypoints import grpc_requests as read
from cases.entrypoints.principals import actor_of
from cases.handlers import CaseHandlers
from cases.reads import CasePage, CaseReads, timeline_page_start

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["CaseService"].full_name


def _actor() -> Actor:
    return actor_of(current_principal())


def _page(found: CasePage) -> tuple[list[pb.Case], common_pb2.PageResponse]:
    return [case_message(c) for c in found.cases], common_pb2.PageResponse(next_page_token=found.next_page_token)


class CaseServicer(cases_pb2_grpc.CaseServiceServicer):
    def __init__(self, handlers: CaseHandlers, reads: CaseReads) -> None:
        self._handlers = handlers
        self._reads = reads

    async def _run(self, request: Any, command: CaseCommand, **arguments: Any) -> Outcome:
        ref = read.case_ref(request)
        return await self._handlers.execute(_actor(), ref, command, **arguments)

    async def _case(self, request: Any, command: CaseCommand, **arguments: Any) -> pb.Case:
        return case_message((await self._run(request, command, **arguments)).case)

    # ---- reading -------------------------------------------------------------------

    async def CreateCase(self, request: pb.CreateCaseRequest, context: Any) -> pb.CreateCaseResponse:
        return await self._create(_actor(), request)

    async def _create(self, actor: Actor, request: pb.CreateCaseRequest) -> pb.CreateCaseResponse:
        created = await self._handlers.create_case(actor, request.request_id, read.new_case(request))
        return pb.CreateCaseResponse(case=case_message(created.case), created=created.created)

    async def CreateCases(self, request: pb.CreateCasesRequest, context: Any) -> pb.CreateCasesResponse:
        if not 1 <= len(request.requests) <= MAX_CREATIONS_PER_CALL:
            raise InvalidArgument.for_field("requests", f"1 to {MAX_CREATIONS_PER_CALL} creations a call, "
                                                        f"not {len(request.requests)}")
        actor = _actor()
        # together, they join the creations' group commit as one batch (or a few)
        results = await asyncio.gather(*(self._create_one(actor, each) for each in request.requests))
        return pb.CreateCasesResponse(results=results)

    async def _create_one(self, actor: Actor, request: pb.CreateCaseRequest) -> pb.CreateCaseResult:
        try:
            return pb.CreateCaseResult(created=await self._create(actor, request))
        except Exception as error:
            refusal = refusal_of(error)
            if refusal is None:
                raise  # a bug fails the call, as it fails CreateCase alone
            return pb.CreateCaseResult(error=status_details(refusal))

    async def GetCase(self, request: pb.GetCaseRequest, context: Any) -> pb.GetCaseResponse:
        case: Case = await self._reads.get(_actor(), read.case_ref(request))
        return pb.GetCaseResponse(case=case_message(case))

    async def ListCases(self, request: pb.ListCasesRequest, context: Any) -> pb.ListCasesResponse:
        size, token = read.page(request.page)
        query = CaseQuery(read.case_filter(request.filter), read.sort(request.sort_field, request.sort_direction), size)
        cases, page = _page(await self._reads.find(_actor(), query, token))
        return pb.ListCasesResponse(cases=cases, page=page)

    async def SearchCases(self, request: pb.SearchCasesRequest, context: Any) -> pb.SearchCasesResponse:
        if not request.query.strip():
            raise InvalidArgument.for_field("query", "is required: the words to search for")
        size, token = read.page(request.page)
        wanted = read.case_filter(request.filter)
        query = CaseQuery(
            filter=replace(wanted, text=request.query),
            sort=read.sort(request.sort_field, request.sort_direction),
            page_size=size,
        )
        cases, page = _page(await self._reads.find(_actor(), query, token))
        return pb.SearchCasesResponse(cases=cases, page=page)

    async def GetTimeline(self, request: pb.GetTimelineRequest, context: Any) -> pb.GetTimelineResponse:
        start = timeline_page_start(request.after_position, request.page.page_token)
        found = await self._reads.timeline(
            _actor(), read.case_ref(request), after=start, page_size=page_size(request.page.page_size)
        )
        return pb.GetTimelineResponse(
            entries=[timeline_entry_message(e) for e in found.entries],
            page=common_pb2.PageResponse(next_page_token=found.next_page_token),
        )

    async def WatchCase(self, request: pb.WatchCaseRequest, context: Any) -> AsyncIterator[pb.WatchCaseResponse]:
        entries = self._reads.watch(_actor(), read.case_ref(request), after=request.after_position)
        async for entry in entries:
            yield pb.WatchCaseResponse(entry=timeline_entry_message(entry))

    async def VerifyTimeline(self, request: pb.VerifyTimelineRequest, context: Any) -> pb.VerifyTimelineResponse:
        result = await self._reads.verify(_actor(), read.case_ref(request))
        return pb.VerifyTimelineResponse(
            ok=result.ok,
            entries_checked=result.entries_checked,
            first_bad_position=result.first_bad_position or 0,
            reason=result.reason or "",
            head_hash=result.head_hash or "",
        )

    # ---- who holds the case ----------------------------------------------------------

    async def Acknowledge(self, request: pb.AcknowledgeRequest, context: Any) -> pb.AcknowledgeResponse:
        return pb.AcknowledgeResponse(case=await self._case(request, commands.acknowledge, message=request.message))

    async def Assign(self, request: pb.AssignRequest, context: Any) -> pb.AssignResponse:
        tier = read.optional_enum(Tier, request.tier, "tier")
        case = await self._case(request, commands.assign, request_id=request.request_id,
                                assignee=request.assignee_id, tier=tier, reason=request.reason)
        return pb.AssignResponse(case=case)

    async def Reassign(self, request: pb.ReassignRequest, context: Any) -> pb.ReassignResponse:
        complaint = request.complaint_sequence if request.HasField("complaint_sequence") else None
        case = await self._case(request, commands.reassign, request_id=request.request_id,
                                assignee=request.assignee_id, reason=request.reason, complaint_sequence=complaint)
        return pb.ReassignResponse(case=case)

    async def TakeOver(self, request: pb.TakeOverRequest, context: Any) -> pb.TakeOverResponse:
        return pb.TakeOverResponse(case=await self._case(request, commands.take_over, reason=request.reason))

    # ---- steering --------------------------------------------------------------------

    async def ChangePriority(self, request: pb.ChangePriorityRequest, context: Any) -> pb.ChangePriorityResponse:
        priority = read.required_enum(Priority, request.priority, "priority")
        case = await self._case(request, commands.change_priority, priority=priority, reason=request.reason)
        return pb.ChangePriorityResponse(case=case)

    async def Escalate(self, request: pb.EscalateRequest, context: Any) -> pb.EscalateResponse:
        tier = read.optional_enum(Tier, request.to_tier, "to_tier")
        case = await self._case(request, commands.escalate, request_id=request.request_id, reason=request.reason,
                                to_tier=tier, to_rma=request.to_rma)
        return pb.EscalateResponse(case=case)

    async def ConfirmVendorEscalation(
        self, request: pb.ConfirmVendorEscalationRequest, context: Any
    ) -> pb.ConfirmVendorEscalationResponse:
        case = await self._case(request, commands.confirm_vendor_escalation, reason=request.reason)
        return pb.ConfirmVendorEscalationResponse(case=case)

    async def SetWaitingForCustomer(
        self, request: pb.SetWaitingForCustomerRequest, context: Any
    ) -> pb.SetWaitingForCustomerResponse:
        case = await self._case(request, commands.set_waiting_for_customer, reason=request.reason)
        return pb.SetWaitingForCustomerResponse(case=case)

    async def Resume(self, request: pb.ResumeRequest, context: Any) -> pb.ResumeResponse:
        return pb.ResumeResponse(case=await self._case(request, commands.resume, reason=request.reason))

    # ---- writing on the timeline -------------------------------------------------------

    async def RecordActivity(self, request: pb.RecordActivityRequest, context: Any) -> pb.RecordActivityResponse:
        if not request.HasField("activity"):
            raise InvalidArgument.for_field("activity", "is required")
        outcome = await self._run(request, commands.record_activity, request_id=request.request_id,
                                  activity=read.activity(request.activity))
        return pb.RecordActivityResponse(case=case_message(outcome.case),
                                         entry=timeline_entry_message(outcome.entries[0]))

    async def AddNote(self, request: pb.AddNoteRequest, context: Any) -> pb.AddNoteResponse:
        visibility = read.optional_enum(Visibility, request.visibility, "visibility") or Visibility.PUBLIC
        on_behalf = read.on_behalf(request)
        outcome = await self._run(request, commands.note, request_id=request.request_id, text=request.text,
                                  visibility=visibility, on_behalf=on_behalf, policy=self._handlers.reply_policy)
        return pb.AddNoteResponse(case=case_message(outcome.case), entry=timeline_entry_message(outcome.entries[0]),
                                  follow_up=case_message(outcome.follow_up) if outcome.follow_up else None)

    async def CorrectTimelineEntry(
        self, request: pb.CorrectTimelineEntryRequest, context: Any
    ) -> pb.CorrectTimelineEntryResponse:
        ref = read.case_ref(request)
        outcome = await self._handlers.correct_entry(_actor(), ref, request.position, request.text)
        return pb.CorrectTimelineEntryResponse(case=case_message(outcome.case),
                                               entry=timeline_entry_message(outcome.entries[0]))

    async def FileComplaint(self, request: pb.FileComplaintRequest, context: Any) -> pb.FileComplaintResponse:
        about = read.required_enum(ComplaintAbout, request.about, "about")
        outcome = await self._run(request, commands.file_complaint, about=about, text=request.text)
        return pb.FileComplaintResponse(case=case_message(outcome.case),
                                        complaint_sequence=len(outcome.case.complaints))

    # ---- ending and bringing back -------------------------------------------------------

    async def Resolve(self, request: pb.ResolveRequest, context: Any) -> pb.ResolveResponse:
        return pb.ResolveResponse(
            case=await self._case(request, commands.resolve, fault_report=read.fault_report(request))
        )

    async def Confirm(self, request: pb.ConfirmRequest, context: Any) -> pb.ConfirmResponse:
        return pb.ConfirmResponse(case=await self._case(request, commands.confirm, comment=request.comment))

    async def Reject(self, request: pb.RejectRequest, context: Any) -> pb.RejectResponse:
        return pb.RejectResponse(case=await self._case(request, commands.reject, reason=request.reason))

    async def Close(self, request: pb.CloseRequest, context: Any) -> pb.CloseResponse:
        return pb.CloseResponse(case=await self._case(request, commands.close, reason=request.reason))

    async def Reopen(self, request: pb.ReopenRequest, context: Any) -> pb.ReopenResponse:
        outcome = await self._run(request, commands.customer_reopen, request_id=request.request_id,
                                  reason=request.reason, policy=self._handlers.reply_policy)
        return pb.ReopenResponse(case=case_message(outcome.case),
                                 follow_up=case_message(outcome.follow_up) if outcome.follow_up else None)

    async def FindSimilarCases(self, request: pb.FindSimilarCasesRequest, context: Any) -> pb.FindSimilarCasesResponse:
        found = await self._reads.similar(_actor(), read.case_ref(request), limit=request.limit)
        return pb.FindSimilarCasesResponse(
            cases=[pb.SimilarCase(case=case_message(case), score=score) for case, score in found]
        )

    async def Cancel(self, request: pb.CancelRequest, context: Any) -> pb.CancelResponse:
        reason = read.required_enum(CancelReason, request.reason, "reason")
        case = await self._case(request, commands.cancel, reason=reason, text=request.text,
                                duplicate_of=request.duplicate_of or None)
        return pb.CancelResponse(case=case)
