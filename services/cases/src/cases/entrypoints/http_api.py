"""The cases REST API for the customer portal and agents: the gRPC operations as resources.

    POST /v1/cases                                   open (idempotent on request_id)
    GET  /v1/cases?status=…&q=…                      list; with `q`, search
    GET  /v1/me/cases                                a customer's own company's cases; staff: assigned to them
    GET  /v1/cases/{id_or_number}                    one case
    GET  /v1/cases/{id_or_number}/timeline           its history (customers: public entries)
    GET  /v1/cases/{id_or_number}/timeline/verification
    POST /v1/cases/{id_or_number}/notes | /activities | /complaints
    POST /v1/cases/{id_or_number}/timeline/{position}/corrections
    POST /v1/cases/{id_or_number}/actions/{action}   acknowledge, assign, reassign, take_over, ...

Errors are RFC 9457 problems (the platform maps DomainErrors); another company's case is 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.paging import page_size
from fastapi import APIRouter, Depends, Path, Query, Response, status

from cases.adapters.proto_mapping import case_payload, timeline_entry_payload
from cases.command_batch import CaseCommand, Outcome
from cases.domain import commands
from cases.domain.activities import Activity
from cases.domain.actors import Actor
from cases.domain.case import Asset, Caller, Case, FaultReport
from cases.domain.commands import NewCase, ReplyPolicy
from cases.domain.lifecycle import Action
from cases.domain.queries import CaseFilter, CaseQuery, Sort, SortDirection, SortField, TimeRange
from cases.domain.references import CaseRef
from cases.domain.vocabulary import Category, Kind, Priority, Status, Tier
from cases.entrypoints import http_models as m
from cases.entrypoints.principals import actor_of
from cases.handlers import CaseHandlers
from cases.reads import CasePage, CaseReads, timeline_page_start

CaseParam = Annotated[str, Path(description="A case id (UUID) or number (EA-20261121-000042).")]


async def current_actor(principal: Annotated[Principal, Depends(require_principal)]) -> Actor:
    return actor_of(principal)


ActorDep = Annotated[Actor, Depends(current_actor)]


def _case(case: Case) -> dict[str, Any]:
    return {"case": case_payload(case)}


def _page(found: CasePage) -> dict[str, Any]:
    return {"cases": [case_payload(c) for c in found.cases], "next_page_token": found.next_page_token}


class ListParameters:
    """The filters, sort and page of ListCases as query parameters (repeat a parameter for "any of")."""

    def __init__(
        self,
        company_id: Annotated[list[str] | None, Query()] = None,
        status: Annotated[list[Status] | None, Query()] = None,
        priority: Annotated[list[Priority] | None, Query()] = None,
        category: Annotated[list[Category] | None, Query()] = None,
        kind: Annotated[list[Kind] | None, Query()] = None,
        tier: Annotated[list[Tier] | None, Query()] = None,
        region: Annotated[list[str] | None, Query()] = None,
        assignee_id: Annotated[list[str] | None, Query()] = None,
        manufacturer: Annotated[str | None, Query(description="The asset's manufacturer, any case.")] = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
        closed_from: datetime | None = None,
        closed_before: datetime | None = None,
        q: Annotated[str | None, Query(description="Search: words in description, error codes, notes, fault reports.")]
        = None,
        supervisor_review: Annotated[bool, Query(description="Only complaints awaiting the supervisor.")] = False,
        sla_breached: Annotated[bool, Query(description="Only cases with a breached SLA clock.")] = False,
        sort: SortField = SortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESCENDING,
        page_size: Annotated[int, Query(description="0: 50; at most 200.")] = 0,
        page_token: str = "",
    ) -> None:
        self.filter = CaseFilter(
            company_ids=frozenset(company_id or ()),
            statuses=frozenset(status or ()),
            priorities=frozenset(priority or ()),
            categories=frozenset(category or ()),
            kinds=frozenset(kind or ()),
            tiers=frozenset(tier or ()),
            regions=frozenset(region or ()),
            assignee_ids=frozenset(assignee_id or ()),
            asset_manufacturer=manufacturer,
            created=_span(created_from, created_before),
            closed=_span(closed_from, closed_before),
            text=q,
            supervisor_review=supervisor_review,
            sla_breached=sla_breached,
        )
        self.sort = Sort(sort, direction)
        self.page_size = page_size
        self.page_token = page_token

    def query(self, **narrower: Any) -> CaseQuery:
        wanted = replace(self.filter, **narrower) if narrower else self.filter
        return CaseQuery(wanted, self.sort, page_size(self.page_size, "page_size"))


def _span(start: datetime | None, end: datetime | None) -> TimeRange | None:
    return TimeRange(start, end) if start or end else None


def case_router(handlers: CaseHandlers, reads: CaseReads) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["cases"])

    async def run(actor: Actor, case: str, command: CaseCommand, **arguments: Any) -> Outcome:
        return await handlers.execute(actor, CaseRef.of(case), command, **arguments)

    @router.post("/cases", status_code=status.HTTP_201_CREATED, response_model=m.CreatedCaseResponse)
    async def create_case(body: m.CreateCaseBody, actor: ActorDep, response: Response) -> dict[str, Any]:
        """Open a case. The same request_id again returns the same case (200, created = false)."""
        report = NewCase(
            region=body.region, company_id=body.company_id, contract_id=body.contract_id,
            caller=Caller(**body.caller.model_dump()), asset=Asset(**body.asset.model_dump()),
            description=body.description, error_codes=tuple(body.error_codes), category=body.category,
            kind=body.kind, priority=body.priority, customer_severity=body.customer_severity, channel=body.channel,
            entitlement=body.entitlement, unidentified=body.unidentified, not_entitled=body.not_entitled,
            customer_requested_response=body.customer_requested_response,
        )
        created = await handlers.create_case(actor, body.request_id, report)
        if not created.created:
            response.status_code = status.HTTP_200_OK
        return {**_case(created.case), "created": created.created}

    @router.get("/cases", response_model=m.CasePageResponse)
    async def list_cases(actor: ActorDep, params: Annotated[ListParameters, Depends()]) -> dict[str, Any]:
        """List (archive included) with filters, sort and cursor pages; with `q`, search."""
        return _page(await reads.find(actor, params.query(), params.page_token))

    @router.get("/me/cases", response_model=m.CasePageResponse)
    async def my_cases(actor: ActorDep, params: Annotated[ListParameters, Depends()]) -> dict[str, Any]:
        """A customer's own company's cases; for staff, the cases assigned to them."""
        query = params.query() if not actor.is_staff else params.query(assignee_ids=frozenset({actor.subject}))
        return _page(await reads.find(actor, query, params.page_token))

    @router.get("/cases/{case}", response_model=m.CaseResponse)
    async def get_case(case: CaseParam, actor: ActorDep) -> dict[str, Any]:
        return _case(await reads.get(actor, CaseRef.of(case)))

    @router.get("/cases/{case}/similar", response_model=m.SimilarCasesResponse)
    async def similar_cases(case: CaseParam, actor: ActorDep, limit: int = 0) -> dict[str, Any]:
        """The resolved and closed cases most like this one, with their fault reports (0: five; at most 20)."""
        found = await reads.similar(actor, CaseRef.of(case), limit=limit)
        return {"cases": [{"case": case_payload(c), "score": score} for c, score in found]}

    @router.get("/cases/{case}/timeline", response_model=m.TimelinePageResponse)
    async def get_timeline(
        case: CaseParam, actor: ActorDep, after_position: int = 0, page_size_: Annotated[
            int, Query(alias="page_size")] = 0, page_token: str = "",
    ) -> dict[str, Any]:
        """The case's history in order (customers and partners: public entries only)."""
        start = timeline_page_start(after_position, page_token)
        found = await reads.timeline(actor, CaseRef.of(case), after=start, page_size=page_size(page_size_, "page_size"))
        return {"entries": [timeline_entry_payload(e) for e in found.entries],
                "next_page_token": found.next_page_token}

    @router.get("/cases/{case}/timeline/verification", response_model=m.VerificationResponse)
    async def verify_timeline(case: CaseParam, actor: ActorDep) -> dict[str, Any]:
        """Recompute the timeline's hash chain from the database against the head the case keeps."""
        result = await reads.verify(actor, CaseRef.of(case))
        return {"ok": result.ok, "entries_checked": result.entries_checked,
                "first_bad_position": result.first_bad_position, "reason": result.reason,
                "head_hash": result.head_hash}

    def with_entry(outcome: Outcome) -> dict[str, Any]:
        follow_up = {"follow_up": case_payload(outcome.follow_up)} if outcome.follow_up else {}
        return {**_case(outcome.case), "entry": timeline_entry_payload(outcome.entries[0]), **follow_up}

    @router.post("/cases/{case}/notes", status_code=201, response_model=m.EntryResponse)
    async def add_note(case: CaseParam, body: m.NoteBody, actor: ActorDep) -> dict[str, Any]:
        return with_entry(
            await run(
                actor, case, commands.note, request_id=body.request_id, text=body.text, visibility=body.visibility,
                policy=handlers.reply_policy,
            )
        )

    @router.post("/cases/{case}/activities", status_code=201, response_model=m.EntryResponse)
    async def record_activity(case: CaseParam, body: m.ActivityBody, actor: ActorDep) -> dict[str, Any]:
        fields = body.model_dump()
        fields["command_log"] = tuple(fields["command_log"])
        return with_entry(await run(actor, case, commands.record_activity, activity=Activity(**fields)))

    @router.post("/cases/{case}/complaints", status_code=201, response_model=m.ComplaintResponse)
    async def file_complaint(case: CaseParam, body: m.ComplaintBody, actor: ActorDep) -> dict[str, Any]:
        outcome = await run(actor, case, commands.file_complaint, about=body.about, text=body.text)
        return {**_case(outcome.case), "complaint_sequence": len(outcome.case.complaints)}

    @router.post("/cases/{case}/timeline/{position}/corrections", status_code=201, response_model=m.EntryResponse)
    async def correct_entry(case: CaseParam, position: int, body: m.CorrectionBody, actor: ActorDep) -> dict[str, Any]:
        """A correction is a new entry referring to the one at `position`; nothing is edited."""
        return with_entry(await handlers.correct_entry(actor, CaseRef.of(case), position, body.text))

    add_action_routes(router, run, handlers.reply_policy)
    return router


Run = Callable[..., Awaitable[Outcome]]


def add_action_routes(router: APIRouter, run: Run, policy: ReplyPolicy) -> None:
    """POST /v1/cases/{case}/actions/<action>: one route per lifecycle action, each with its own body."""

    def action(name: Action, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return router.post(f"/cases/{{case}}/actions/{name.value}", response_model=m.CaseResponse, summary=summary)

    @action(Action.ACKNOWLEDGE, "The engineer's answer to the customer")
    async def acknowledge(case: CaseParam, actor: ActorDep, body: m.AcknowledgeBody | None = None) -> dict[str, Any]:
        body = body or m.AcknowledgeBody()
        return _case((await run(actor, case, commands.acknowledge, message=body.message)).case)

    @action(Action.ASSIGN, "new -> assigned")
    async def assign(case: CaseParam, body: m.AssignBody, actor: ActorDep) -> dict[str, Any]:
        outcome = await run(actor, case, commands.assign, assignee=body.assignee_id, tier=body.tier,
                            reason=body.reason)
        return _case(outcome.case)

    @action(Action.REASSIGN, "Replace the assignee")
    async def reassign(case: CaseParam, body: m.ReassignBody, actor: ActorDep) -> dict[str, Any]:
        outcome = await run(actor, case, commands.reassign, assignee=body.assignee_id, reason=body.reason,
                            complaint_sequence=body.complaint_sequence)
        return _case(outcome.case)

    @action(Action.TAKE_OVER, "The calling engineer takes the case")
    async def take_over(case: CaseParam, actor: ActorDep, body: m.ReasonBody | None = None) -> dict[str, Any]:
        body = body or m.ReasonBody()
        return _case((await run(actor, case, commands.take_over, reason=body.reason)).case)

    @action(Action.CHANGE_PRIORITY, "Change the priority, with a reason")
    async def change_priority(case: CaseParam, body: m.ChangePriorityBody, actor: ActorDep) -> dict[str, Any]:
        return _case((await run(actor, case, commands.change_priority, priority=body.priority,
                                reason=body.reason)).case)

    @action(Action.ESCALATE, "Up a tier, or to RMA")
    async def escalate(case: CaseParam, body: m.EscalateBody, actor: ActorDep) -> dict[str, Any]:
        return _case((await run(actor, case, commands.escalate, reason=body.reason, to_tier=body.to_tier,
                                to_rma=body.to_rma)).case)

    @action(Action.CONFIRM_VENDOR_ESCALATION, "An expert confirms the original vendor is needed")
    async def confirm_vendor(case: CaseParam, body: m.RequiredReasonBody, actor: ActorDep) -> dict[str, Any]:
        return _case((await run(actor, case, commands.confirm_vendor_escalation, reason=body.reason)).case)

    @action(Action.SET_WAITING, "in_progress -> waiting_customer (clocks paused)")
    async def set_waiting(case: CaseParam, actor: ActorDep, body: m.ReasonBody | None = None) -> dict[str, Any]:
        body = body or m.ReasonBody()
        return _case((await run(actor, case, commands.set_waiting_for_customer, reason=body.reason)).case)

    @action(Action.RESUME, "waiting_customer -> in_progress")
    async def resume(case: CaseParam, actor: ActorDep, body: m.ReasonBody | None = None) -> dict[str, Any]:
        body = body or m.ReasonBody()
        return _case((await run(actor, case, commands.resume, reason=body.reason)).case)

    @action(Action.RESOLVE, "in_progress -> resolved, with the fault report")
    async def resolve(case: CaseParam, body: m.ResolveBody, actor: ActorDep) -> dict[str, Any]:
        report = FaultReport(**body.fault_report.model_dump())
        return _case((await run(actor, case, commands.resolve, fault_report=report)).case)

    @action(Action.CONFIRM, "resolved -> closed by the customer")
    async def confirm(case: CaseParam, actor: ActorDep, body: m.ConfirmBody | None = None) -> dict[str, Any]:
        body = body or m.ConfirmBody()
        return _case((await run(actor, case, commands.confirm, comment=body.comment)).case)

    @action(Action.REJECT, "resolved -> in_progress: the fix did not work")
    async def reject(case: CaseParam, body: m.RequiredReasonBody, actor: ActorDep) -> dict[str, Any]:
        return _case((await run(actor, case, commands.reject, reason=body.reason)).case)

    @action(Action.CLOSE, "resolved -> closed by the desk")
    async def close(case: CaseParam, actor: ActorDep, body: m.ReasonBody | None = None) -> dict[str, Any]:
        body = body or m.ReasonBody()
        return _case((await run(actor, case, commands.close, reason=body.reason)).case)

    @action(Action.REOPEN, "closed -> reopened")
    async def reopen(case: CaseParam, body: m.RequiredReasonBody, actor: ActorDep) -> dict[str, Any]:
        outcome = await run(actor, case, commands.customer_reopen, reason=body.reason, policy=policy)
        # after the reopen window a customer's request opens a new case linked to this one
        follow_up = {"follow_up": case_payload(outcome.follow_up)} if outcome.follow_up else {}
        return {**_case(outcome.case), **follow_up}

    @action(Action.CANCEL, "Cancel: duplicate, not ours, withdrawn")
    async def cancel(case: CaseParam, body: m.CancelBody, actor: ActorDep) -> dict[str, Any]:
        return _case((await run(actor, case, commands.cancel, reason=body.reason, text=body.text,
                                duplicate_of=body.duplicate_of)).case)
