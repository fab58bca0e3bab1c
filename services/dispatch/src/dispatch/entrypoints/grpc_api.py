"""aftercare.dispatch.v1.DispatchService: thin translation between the wire and the handlers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aftercare.common.v1 import common_pb2
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare_platform.auth.context import current_principal
from aftercare_platform.errors import InvalidArgument

from dispatch.adapters.decision_mapping import decision_to_proto
from dispatch.adapters.loaner_mapping import loaner_to_proto
from dispatch.adapters.people_mapping import engineer_to_proto
from dispatch.adapters.proto_values import instant, required_instant, stamp
from dispatch.adapters.rma_mapping import rma_to_proto
from dispatch.adapters.roster_mapping import duty_to_proto, gap_to_proto, shift_to_proto
from dispatch.adapters.stock_mapping import stock_level_to_proto, stock_move_to_proto
from dispatch.adapters.visit_mapping import visit_to_proto
from dispatch.assignment_handlers import AssignmentHandlers
from dispatch.case_work_handlers import CaseWorkHandlers
from dispatch.domain.rosters import coverage_gaps, shifts
from dispatch.entrypoints.access import require_manager, require_region, require_staff
from dispatch.entrypoints.grpc_assignments import AssignmentRpcs
from dispatch.handlers import DispatchHandlers
from dispatch.loaner_handlers import LoanerHandlers
from dispatch.rma_handlers import RmaHandlers
from dispatch.stock_handlers import StockHandlers
from dispatch.vendor_handlers import VendorHandlers
from dispatch.visit_handlers import VisitHandlers


def _staff() -> None:
    require_staff(current_principal())


def _manager() -> None:
    require_manager(current_principal())


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidArgument.for_field(field, "is required")
    return value.strip()


class DispatchServicer(AssignmentRpcs, dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(self, handlers: DispatchHandlers, visits: VisitHandlers, loaners: LoanerHandlers,
                 rmas: RmaHandlers, stock: StockHandlers, assignments: AssignmentHandlers,
                 vendors: VendorHandlers, case_work: CaseWorkHandlers) -> None:
        self._case_work = case_work
        self._assignments = assignments
        self._vendors = vendors
        self._handlers = handlers
        self._visits = visits
        self._loaners = loaners
        self._rmas = rmas
        self._stock = stock

    async def PutEngineer(self, request: pb.PutEngineerRequest, context: Any) -> pb.PutEngineerResponse:
        _manager()
        engineer = await self._handlers.put_engineer(request.engineer)
        return pb.PutEngineerResponse(engineer=engineer_to_proto(engineer))

    async def GetEngineer(self, request: pb.GetEngineerRequest, context: Any) -> pb.GetEngineerResponse:
        _staff()
        engineer = await self._handlers.engineer(_required(request.engineer_id, "engineer_id"))
        return pb.GetEngineerResponse(engineer=engineer_to_proto(engineer))

    async def ListEngineers(self, request: pb.ListEngineersRequest, context: Any) -> pb.ListEngineersResponse:
        _staff()
        require_region(current_principal(), request.region)
        found = await self._handlers.engineers(request.region)
        return pb.ListEngineersResponse(engineers=[engineer_to_proto(e) for e in found])

    async def PutTeam(self, request: pb.PutTeamRequest, context: Any) -> pb.PutTeamResponse:
        _manager()
        return pb.PutTeamResponse(team=await self._handlers.put_team(request.team))

    async def ListTeams(self, request: pb.ListTeamsRequest, context: Any) -> pb.ListTeamsResponse:
        _staff()
        return pb.ListTeamsResponse(teams=await self._handlers.teams(request.region))

    async def PutRoster(self, request: pb.PutRosterRequest, context: Any) -> pb.PutRosterResponse:
        _manager()
        return pb.PutRosterResponse(roster=await self._handlers.put_roster(request.roster))

    async def GetRoster(self, request: pb.GetRosterRequest, context: Any) -> pb.GetRosterResponse:
        _staff()
        return pb.GetRosterResponse(roster=await self._handlers.roster_message(_required(request.roster_id,
                                                                                          "roster_id")))

    async def ListRosters(self, request: pb.ListRostersRequest, context: Any) -> pb.ListRostersResponse:
        _staff()
        require_region(current_principal(), request.region)
        return pb.ListRostersResponse(rosters=await self._handlers.roster_messages(request.region))

    async def WhoIsOnDuty(self, request: pb.WhoIsOnDutyRequest, context: Any) -> pb.WhoIsOnDutyResponse:
        _staff()
        region = _required(request.region, "region")
        require_region(current_principal(), region)
        at = instant(request.at_time, "at_time", required=False)
        moment, answers = await self._handlers.who_is_on_duty(region, request.team, at)
        engineer_ids = list(dict.fromkeys(e for a in answers for e in a.engineer_ids))
        rosters = [duty_to_proto(a) for a in answers]
        return pb.WhoIsOnDutyResponse(at_time=stamp(moment), rosters=rosters, engineer_ids=engineer_ids)

    async def GetCoverage(self, request: pb.GetCoverageRequest, context: Any) -> pb.GetCoverageResponse:
        _staff()
        roster = await self._handlers.roster(_required(request.roster_id, "roster_id"))
        start, end = _span(request)
        return pb.GetCoverageResponse(gaps=[gap_to_proto(g) for g in coverage_gaps(roster, start, end)])

    async def ListShifts(self, request: pb.ListShiftsRequest, context: Any) -> pb.ListShiftsResponse:
        _staff()
        roster = await self._handlers.roster(_required(request.roster_id, "roster_id"))
        start, end = _span(request)
        return pb.ListShiftsResponse(shifts=[shift_to_proto(s) for s in shifts(roster, start, end)])

    async def ListHandovers(self, request: pb.ListHandoversRequest, context: Any) -> pb.ListHandoversResponse:
        _staff()
        start, end = _span(request)
        found = await self._handlers.handovers(_required(request.roster_id, "roster_id"), start, end)
        return pb.ListHandoversResponse(handovers=[
            pb.Handover(roster_id=h.roster_id, outgoing_engineer_id=h.outgoing, incoming_engineer_ids=list(h.incoming),
                        at_time=stamp(h.at), open_case_ids=cases) for h, cases in found])

    async def ExplainAssignment(
        self, request: pb.ExplainAssignmentRequest, context: Any
    ) -> pb.ExplainAssignmentResponse:
        _staff()
        found = await self._handlers.explain(_required(request.case_id, "case_id"))
        return pb.ExplainAssignmentResponse(decisions=[decision_to_proto(d) for d in found])


    # ---- field visits ------------------------------------------------------------------------------

    async def RequestVisit(self, request: pb.RequestVisitRequest, context: Any) -> pb.RequestVisitResponse:
        _staff()
        visit = await self._visits.request(current_principal(), case_id=_required(request.case_id, "case_id"),
                                           site=request.site, reason=request.reason,
                                           request_id=request.request_id.strip())
        return pb.RequestVisitResponse(visit=visit_to_proto(visit))

    async def PlanVisit(self, request: pb.PlanVisitRequest, context: Any) -> pb.PlanVisitResponse:
        _staff()
        visit = await self._visits.plan(
            current_principal(), _required(request.visit_id, "visit_id"), engineer_id=request.engineer_id,
            planned_for=required_instant(request.planned_time, "planned_time"), parts=tuple(request.parts))
        return pb.PlanVisitResponse(visit=visit_to_proto(visit))

    async def StartVisitTravel(
        self, request: pb.StartVisitTravelRequest, context: Any
    ) -> pb.StartVisitTravelResponse:
        _staff()
        visit = await self._visits.start_travel(current_principal(), _required(request.visit_id, "visit_id"))
        return pb.StartVisitTravelResponse(visit=visit_to_proto(visit))

    async def CheckIn(self, request: pb.CheckInRequest, context: Any) -> pb.CheckInResponse:
        _staff()
        visit = await self._visits.check_in(current_principal(), _required(request.visit_id, "visit_id"),
                                            required_instant(request.occurred_at, "occurred_at"))
        return pb.CheckInResponse(visit=visit_to_proto(visit))

    async def CheckOut(self, request: pb.CheckOutRequest, context: Any) -> pb.CheckOutResponse:
        _staff()
        visit = await self._visits.check_out(current_principal(), _required(request.visit_id, "visit_id"),
                                             request.report, tuple(request.parts_used))
        return pb.CheckOutResponse(visit=visit_to_proto(visit))

    async def RecordVisitWork(self, request: pb.RecordVisitWorkRequest, context: Any) -> pb.RecordVisitWorkResponse:
        _staff()
        visit = await self._visits.record_work(current_principal(), _required(request.visit_id, "visit_id"),
                                               request.text, request.action)
        return pb.RecordVisitWorkResponse(visit=visit_to_proto(visit))

    async def RecordCustomerApproval(
        self, request: pb.RecordCustomerApprovalRequest, context: Any
    ) -> pb.RecordCustomerApprovalResponse:
        _staff()
        visit = await self._visits.approve(current_principal(), _required(request.visit_id, "visit_id"),
                                           request.action, request.signed_by)
        return pb.RecordCustomerApprovalResponse(visit=visit_to_proto(visit))

    async def GetVisit(self, request: pb.GetVisitRequest, context: Any) -> pb.GetVisitResponse:
        visit = await self._visits.get(current_principal(), _required(request.visit_id, "visit_id"))
        return pb.GetVisitResponse(visit=visit_to_proto(visit))

    async def ListVisits(self, request: pb.ListVisitsRequest, context: Any) -> pb.ListVisitsResponse:
        found, token = await self._case_work.visits(current_principal(), _required(request.case_id, "case_id"),
                                                    request.page.page_size, request.page.page_token)
        return pb.ListVisitsResponse(visits=[visit_to_proto(v) for v in found],
                                     page=common_pb2.PageResponse(next_page_token=token))


    # ---- loaners -----------------------------------------------------------------------------------

    async def IssueLoaner(self, request: pb.IssueLoanerRequest, context: Any) -> pb.IssueLoanerResponse:
        _staff()
        loaner = await self._loaners.issue(
            current_principal(), case_id=_required(request.case_id, "case_id"),
            serial_number=_required(request.serial_number, "serial_number"), device_class=request.device_class,
            faulty_class=request.faulty_class,
            repair_started_at=required_instant(request.repair_started_time, "repair_started_time"),
            due_back=instant(request.due_back_time, "due_back_time", required=False),
            manufacturer=request.manufacturer, site=request.site, request_id=request.request_id.strip())
        return pb.IssueLoanerResponse(loaner=loaner_to_proto(loaner))

    async def ReturnLoaner(self, request: pb.ReturnLoanerRequest, context: Any) -> pb.ReturnLoanerResponse:
        _staff()
        loaner = await self._loaners.give_back(current_principal(), _required(request.loaner_id, "loaner_id"))
        return pb.ReturnLoanerResponse(loaner=loaner_to_proto(loaner))

    async def GetLoaner(self, request: pb.GetLoanerRequest, context: Any) -> pb.GetLoanerResponse:
        loaner = await self._loaners.get(current_principal(), _required(request.loaner_id, "loaner_id"))
        return pb.GetLoanerResponse(loaner=loaner_to_proto(loaner))

    async def ListLoaners(self, request: pb.ListLoanersRequest, context: Any) -> pb.ListLoanersResponse:
        found, token = await self._case_work.loaners(current_principal(), _required(request.case_id, "case_id"),
                                                     request.page.page_size, request.page.page_token)
        return pb.ListLoanersResponse(loaners=[loaner_to_proto(v) for v in found],
                                      page=common_pb2.PageResponse(next_page_token=token))


    # ---- RMA ---------------------------------------------------------------------------------------

    async def RequestRma(self, request: pb.RequestRmaRequest, context: Any) -> pb.RequestRmaResponse:
        _staff()
        rma = await self._rmas.request(current_principal(), case_id=_required(request.case_id, "case_id"),
                                       serial_number=request.serial_number, manufacturer=request.manufacturer,
                                       reason=request.reason)
        return pb.RequestRmaResponse(rma=rma_to_proto(rma))

    async def AdvanceRma(self, request: pb.AdvanceRmaRequest, context: Any) -> pb.AdvanceRmaResponse:
        _staff()
        rma = await self._rmas.advance(current_principal(), _required(request.rma_id, "rma_id"),
                                       _required(request.step, "step"), repairer=request.repairer,
                                       note=request.note)
        return pb.AdvanceRmaResponse(rma=rma_to_proto(rma))

    async def GetRma(self, request: pb.GetRmaRequest, context: Any) -> pb.GetRmaResponse:
        rma = await self._rmas.get(current_principal(), _required(request.rma_id, "rma_id"))
        return pb.GetRmaResponse(rma=rma_to_proto(rma))


    # ---- spare parts -------------------------------------------------------------------------------

    async def RecordStockMove(self, request: pb.RecordStockMoveRequest, context: Any) -> pb.RecordStockMoveResponse:
        _staff()
        m = request.move
        level = await self._stock.move(m.kind, m.depot, m.part, m.quantity, m.case_id, m.note)
        return pb.RecordStockMoveResponse(level=stock_level_to_proto(level))

    async def TransferStock(self, request: pb.TransferStockRequest, context: Any) -> pb.TransferStockResponse:
        _staff()
        source, target = await self._stock.transfer(request.from_depot, request.to_depot, request.part,
                                                    request.quantity, request.case_id)
        return pb.TransferStockResponse(from_level=stock_level_to_proto(source),
                                        to_level=stock_level_to_proto(target))

    async def SetStockMinimum(self, request: pb.SetStockMinimumRequest, context: Any) -> pb.SetStockMinimumResponse:
        _manager()
        level = await self._stock.set_minimum(request.depot, request.part, request.minimum)
        return pb.SetStockMinimumResponse(level=stock_level_to_proto(level))

    async def GetStock(self, request: pb.GetStockRequest, context: Any) -> pb.GetStockResponse:
        _staff()
        levels, moves = await self._stock.depot(request.depot)
        return pb.GetStockResponse(levels=[stock_level_to_proto(level) for level in levels],
                                   moves=[stock_move_to_proto(move) for move in moves])


def _span(request: Any) -> tuple[Any, Any]:
    start = required_instant(request.start_time, "start_time")
    end = instant(request.end_time, "end_time", required=False) or start + timedelta(days=7)
    return start, end
