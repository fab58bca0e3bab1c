"""The REST API of field work: visits, loaners, RMAs, spare-part stock and the original vendor. The
same handlers and rules as gRPC; typed bodies and answers (`http_models`); errors are RFC 9457 problems.

    POST /v1/visits                          POST /v1/visits/{id}/plan | /travel | /check-in | /check-out
    POST /v1/visits/{id}/work | /approvals   on site: the work log, the customer's signed approvals
    GET  /v1/visits/{id}
    POST /v1/loaners                         POST /v1/loaners/{id}/return       GET /v1/loaners/{id}
    POST /v1/rmas                            POST /v1/rmas/{id}/steps           GET /v1/rmas/{id}
    GET  /v1/depots/{depot}/stock            POST /v1/depots/{depot}/moves | /transfers
    PUT  /v1/depots/{depot}/parts/{part}/minimum
    POST /v1/cases/{case_id}/vendor          POST /v1/cases/{case_id}/vendor/response
    GET  /v1/cases/{case_id}/vendor
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from aftercare_platform.auth.fastapi import require_principal
from aftercare_platform.auth.principal import Principal
from aftercare_platform.errors import InvalidArgument
from fastapi import APIRouter, Depends

from dispatch.entrypoints.access import require_manager, require_staff
from dispatch.entrypoints.http_models import (
    ApprovalBody,
    CheckInBody,
    CheckOutBody,
    DepotOut,
    LoanerIssueBody,
    LoanerOut,
    RmaAdvanceBody,
    RmaOut,
    RmaRequestBody,
    StockLevelOut,
    StockMinimumBody,
    StockMoveBody,
    StockMoveOut,
    StockTransferBody,
    TransferOut,
    VendorEngageBody,
    VendorEngagementOut,
    VendorResponseBody,
    VisitOut,
    VisitPlanBody,
    VisitRequestBody,
    VisitWorkBody,
)
from dispatch.loaner_handlers import LoanerHandlers
from dispatch.rma_handlers import RmaHandlers
from dispatch.stock_handlers import StockHandlers
from dispatch.vendor_handlers import VendorHandlers
from dispatch.visit_handlers import VisitHandlers

PrincipalDep = Annotated[Principal, Depends(require_principal)]


def _aware(value: object, field: str) -> None:
    if getattr(value, "tzinfo", True) is None:
        raise InvalidArgument.for_field(field, "give an offset, e.g. 2026-12-03T09:41:00+08:00")


def field_router(visits: VisitHandlers, loaners: LoanerHandlers, rmas: RmaHandlers, stock: StockHandlers,
                 vendors: VendorHandlers) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["field work"])

    @router.post("/visits", response_model=VisitOut, status_code=201)
    async def request_visit(principal: PrincipalDep, body: VisitRequestBody) -> VisitOut:
        """An engineer must go on site: starts the on-site clock."""
        require_staff(principal)
        return VisitOut.of(await visits.request(principal, case_id=body.case_id, site=body.site, reason=body.reason,
                                                request_id=body.request_id.strip()))

    @router.get("/visits/{visit_id}", response_model=VisitOut)
    async def get_visit(principal: PrincipalDep, visit_id: str) -> VisitOut:
        """Staff of its region, and the customer whose case it is."""
        return VisitOut.of(await visits.get(principal, visit_id))

    @router.post("/visits/{visit_id}/plan", response_model=VisitOut)
    async def plan_visit(principal: PrincipalDep, visit_id: str, body: VisitPlanBody) -> VisitOut:
        require_staff(principal)
        _aware(body.planned_at, "planned_at")
        return VisitOut.of(await visits.plan(principal, visit_id, engineer_id=body.engineer_id,
                                             planned_for=body.planned_at, parts=tuple(body.parts)))

    @router.post("/visits/{visit_id}/travel", response_model=VisitOut)
    async def start_travel(principal: PrincipalDep, visit_id: str) -> VisitOut:
        require_staff(principal)
        return VisitOut.of(await visits.start_travel(principal, visit_id))

    @router.post("/visits/{visit_id}/check-in", response_model=VisitOut)
    async def check_in(principal: PrincipalDep, visit_id: str, body: CheckInBody) -> VisitOut:
        """On site: stops the on-site clock at the device's own time, however late it arrives."""
        require_staff(principal)
        _aware(body.occurred_at, "occurred_at")
        return VisitOut.of(await visits.check_in(principal, visit_id, body.occurred_at))

    @router.post("/visits/{visit_id}/check-out", response_model=VisitOut)
    async def check_out(principal: PrincipalDep, visit_id: str, body: CheckOutBody) -> VisitOut:
        require_staff(principal)
        return VisitOut.of(await visits.check_out(principal, visit_id, body.report, tuple(body.parts_used)))

    @router.post("/visits/{visit_id}/work", response_model=VisitOut)
    async def visit_work(principal: PrincipalDep, visit_id: str, body: VisitWorkBody) -> VisitOut:
        """A work-log entry on site; a restart or reinstall needs the customer's approval first."""
        require_staff(principal)
        return VisitOut.of(await visits.record_work(principal, visit_id, body.text, body.action))

    @router.post("/visits/{visit_id}/approvals", response_model=VisitOut)
    async def visit_approval(principal: PrincipalDep, visit_id: str, body: ApprovalBody) -> VisitOut:
        """The customer signs an approval for an action on site."""
        require_staff(principal)
        return VisitOut.of(await visits.approve(principal, visit_id, body.action, body.signed_by))

    @router.post("/loaners", response_model=LoanerOut, status_code=201)
    async def issue_loaner(principal: PrincipalDep, body: LoanerIssueBody) -> LoanerOut:
        """A loaner of at least the faulty device's class goes to the customer: stops the loaner clock."""
        require_staff(principal)
        _aware(body.repair_started_at, "repair_started_at")
        _aware(body.due_back, "due_back")
        return LoanerOut.of(await loaners.issue(
            principal, case_id=body.case_id, serial_number=body.serial_number, device_class=body.device_class,
            faulty_class=body.faulty_class, repair_started_at=body.repair_started_at, due_back=body.due_back,
            manufacturer=body.manufacturer, site=body.site, request_id=body.request_id.strip()))

    @router.get("/loaners/{loaner_id}", response_model=LoanerOut)
    async def get_loaner(principal: PrincipalDep, loaner_id: str) -> LoanerOut:
        return LoanerOut.of(await loaners.get(principal, loaner_id))

    @router.post("/loaners/{loaner_id}/return", response_model=LoanerOut)
    async def return_loaner(principal: PrincipalDep, loaner_id: str) -> LoanerOut:
        require_staff(principal)
        return LoanerOut.of(await loaners.give_back(principal, loaner_id))

    @router.post("/rmas", response_model=RmaOut, status_code=201)
    async def request_rma(principal: PrincipalDep, body: RmaRequestBody) -> RmaOut:
        require_staff(principal)
        return RmaOut.of(await rmas.request(principal, case_id=body.case_id, serial_number=body.serial_number,
                                            manufacturer=body.manufacturer, reason=body.reason))

    @router.get("/rmas/{rma_id}", response_model=RmaOut)
    async def get_rma(principal: PrincipalDep, rma_id: str) -> RmaOut:
        return RmaOut.of(await rmas.get(principal, rma_id))

    @router.post("/rmas/{rma_id}/steps", response_model=RmaOut)
    async def advance_rma(principal: PrincipalDep, rma_id: str, body: RmaAdvanceBody) -> RmaOut:
        require_staff(principal)
        return RmaOut.of(await rmas.advance(principal, rma_id, body.step.value, repairer=body.repairer,
                                            note=body.note))

    @router.get("/depots/{depot}/stock", response_model=DepotOut)
    async def depot_stock(principal: PrincipalDep, depot: str) -> DepotOut:
        require_staff(principal)
        levels, moves = await stock.depot(depot)
        return DepotOut(levels=[StockLevelOut.of(s) for s in levels], moves=[StockMoveOut.of(m) for m in moves])

    @router.post("/depots/{depot}/moves", response_model=StockLevelOut)
    async def move_stock(principal: PrincipalDep, depot: str, body: StockMoveBody) -> StockLevelOut:
        """Receive, reserve, release, issue, consume or return a defective part; never below zero."""
        require_staff(principal)
        return StockLevelOut.of(await stock.move(body.kind.value, depot, body.part, body.quantity, body.case_id,
                                                 body.note))

    @router.post("/depots/{depot}/transfers", response_model=TransferOut)
    async def transfer_stock(principal: PrincipalDep, depot: str, body: StockTransferBody) -> TransferOut:
        require_staff(principal)
        source, target = await stock.transfer(depot, body.to_depot, body.part, body.quantity, body.case_id)
        return TransferOut(from_level=StockLevelOut.of(source), to_level=StockLevelOut.of(target))

    @router.put("/depots/{depot}/parts/{part}/minimum", response_model=StockLevelOut)
    async def stock_minimum(principal: PrincipalDep, depot: str, part: str, body: StockMinimumBody) -> StockLevelOut:
        require_manager(principal)
        return StockLevelOut.of(await stock.set_minimum(depot, part, body.minimum))

    @router.post("/cases/{case_id}/vendor", response_model=VendorEngagementOut, status_code=201)
    async def engage_vendor(principal: PrincipalDep, case_id: str, body: VendorEngageBody) -> VendorEngagementOut:
        """To the original vendor (refused without an expert's confirmation): starts the vendor-response clock."""
        require_staff(principal)
        engagement = await vendors.engage(
            principal, case_id=case_id, contact_id=body.vendor_contact_id, ticket=body.vendor_ticket,
            promised_response=timedelta(seconds=body.promised_response_seconds), reason=body.reason)
        return VendorEngagementOut.of(engagement, vendors.now())

    @router.post("/cases/{case_id}/vendor/response", response_model=VendorEngagementOut)
    async def vendor_response(principal: PrincipalDep, case_id: str, body: VendorResponseBody
                              ) -> VendorEngagementOut:
        require_staff(principal)
        _aware(body.responded_at, "responded_at")
        engagement = await vendors.respond(principal, case_id, body.response, body.responded_at)
        return VendorEngagementOut.of(engagement, vendors.now())

    @router.get("/cases/{case_id}/vendor", response_model=VendorEngagementOut)
    async def get_vendor(principal: PrincipalDep, case_id: str) -> VendorEngagementOut:
        require_staff(principal)
        return VendorEngagementOut.of(await vendors.get(principal, case_id), vendors.now())

    return router
