"""How inspection reaches intake (findings and inspection work become cases, channel inspection) and
dispatch (field visits, the watch's duty roster), with its own system token.

`Unavailable`: try again later (down, slow, busy). `Refused`: the other side said no for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import grpc
from aftercare.cases.v1 import cases_pb2
from aftercare.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from aftercare.intake.v1 import intake_pb2, intake_pb2_grpc
from aftercare_platform.contracts import EnumMap
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel, reconnect_options
from aftercare_platform.settings import ServiceSettings
from google.protobuf.duration_pb2 import Duration


class Unavailable(Exception):
    pass


class Refused(Exception):
    pass


@dataclass(frozen=True)
class CaseReport:
    """What intake is asked to open: a case on the inspection channel."""

    request_id: str  # idempotency key at intake: the finding's (or visit's) id
    company_id: str
    contract_id: str
    site_id: str
    summary: str
    description: str
    defect: bool  # a finding needs a fix; scheduled inspection work is a service request


@dataclass(frozen=True)
class ReceiptView:
    receipt_id: str
    state: str  # "pending", "submitted", "failed"
    case_id: str
    case_number: str
    error: str


class IntakePort(Protocol):
    async def submit(self, report: CaseReport) -> ReceiptView: ...

    async def receipt(self, receipt_id: str) -> ReceiptView: ...


class DispatchPort(Protocol):
    async def request_visit(self, *, case_id: str, site: str, reason: str, request_id: str) -> str: ...

    async def put_roster(self, *, roster_id: str, name: str, region: str, engineer_ids: tuple[str, ...],
                         start_local: str, until_local: str, time_zone: str) -> str: ...


RECEIPT_STATES = EnumMap.words(intake_pb2.ReceiptState)
_FINAL = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION,
          grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.OUT_OF_RANGE, grpc.StatusCode.PERMISSION_DENIED}


async def _call(method: Any, request: Any, seconds: float) -> Any:
    try:
        return await method(request, timeout=seconds)
    except grpc.aio.AioRpcError as error:
        if error.code() in _FINAL:
            raise Refused(f"{error.code().name}: {error.details()}") from None
        raise Unavailable(f"{error.code().name}: {error.details()}") from None


def _receipt(message: intake_pb2.Receipt) -> ReceiptView:
    state = RECEIPT_STATES.member(message.state, "receipt.state").value
    return ReceiptView(message.receipt_id, state, message.case_id, message.case_number, message.last_error)


class GrpcIntake:
    def __init__(self, settings: ServiceSettings, *, target: str, reporter_email: str, timeout: float = 10.0,
                 reconnect_max_seconds: float = 5.0) -> None:
        self._channel = create_channel(target, token=SystemTokenSource(settings),
                                       options=reconnect_options(reconnect_max_seconds))
        self._stub = intake_pb2_grpc.IntakeServiceStub(self._channel)
        self._email, self._timeout = reporter_email, timeout

    async def submit(self, report: CaseReport) -> ReceiptView:
        request = intake_pb2.SubmitCaseRequest(
            partner_request_id=report.request_id,
            reporter=intake_pb2.Reporter(name="Inspection service", email=self._email),
            hints=intake_pb2.ReportHints(company=report.company_id, contract_id=report.contract_id,
                                         site=report.site_id),
            summary=report.summary, description=report.description,
            kind=cases_pb2.CASE_KIND_DEFECT if report.defect else cases_pb2.CASE_KIND_CONSULTATION,
            stated_severity=intake_pb2.STATED_SEVERITY_GENERAL if report.defect else
            intake_pb2.STATED_SEVERITY_NON_FAULT,
            channel=intake_pb2.INTAKE_CHANNEL_INSPECTION)
        return _receipt((await _call(self._stub.SubmitCase, request, self._timeout)).receipt)

    async def receipt(self, receipt_id: str) -> ReceiptView:
        request = intake_pb2.GetReceiptRequest(receipt_id=receipt_id)
        return _receipt((await _call(self._stub.GetReceipt, request, self._timeout)).receipt)

    async def close(self) -> None:
        await self._channel.close()


class GrpcDispatch:
    def __init__(self, settings: ServiceSettings, *, target: str, timeout: float = 10.0,
                 reconnect_max_seconds: float = 5.0) -> None:
        self._channel = create_channel(target, token=SystemTokenSource(settings),
                                       options=reconnect_options(reconnect_max_seconds))
        self._stub = dispatch_pb2_grpc.DispatchServiceStub(self._channel)
        self._timeout = timeout

    async def request_visit(self, *, case_id: str, site: str, reason: str, request_id: str) -> str:
        request = dispatch_pb2.RequestVisitRequest(case_id=case_id, site=site, reason=reason, request_id=request_id)
        return str((await _call(self._stub.RequestVisit, request, self._timeout)).visit.visit_id)

    async def put_roster(self, *, roster_id: str, name: str, region: str, engineer_ids: tuple[str, ...],
                         start_local: str, until_local: str, time_zone: str) -> str:
        # one daily shift per member in turn, from the first on-site day to the event's end
        layer = dispatch_pb2.RotationLayer(name="watch", member_ids=list(engineer_ids), rule="FREQ=DAILY",
                                           start_local=start_local, until_local=until_local,
                                           shift_length=Duration(seconds=int(timedelta(days=1).total_seconds())),
                                           days=dispatch_pb2.DAY_FILTER_ALL)
        roster = dispatch_pb2.Roster(roster_id=roster_id, name=name, region=region, team="watch",
                                     time_zone=time_zone, layers=[layer])
        return str((await _call(self._stub.PutRoster, dispatch_pb2.PutRosterRequest(roster=roster),
                                self._timeout)).roster.roster_id)

    async def close(self) -> None:
        await self._channel.close()
