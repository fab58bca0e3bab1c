"""How survey reaches cases: read a case, reopen it, file a complaint, add a note to its timeline.

`CasesUnavailable`: try again later (cases down, slow, busy). `CasesRefused`: cases said no for good
(the gRPC status kept in `code`, e.g. FAILED_PRECONDITION when the case is no longer closed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.auth.principal import Role
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.contracts import EnumMap
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel, reconnect_options
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import Telemetry


@dataclass(frozen=True)
class CaseView:
    case_id: str
    case_number: str
    company_id: str
    status: str  # "closed", "reopened", ... (the wire spelling, lower case)
    reopen_count: int
    contact_name: str
    contact_phone: str
    contact_email: str
    complaint_texts: tuple[str, ...] = ()


class CasesUnavailable(Exception):
    pass


class CasesRefused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


class CasesGateway(Protocol):
    async def get_case(self, case_id: str) -> CaseView: ...

    async def reopen(self, case_id: str, reason: str, *, request_id: str) -> None: ...

    async def file_complaint(self, case_id: str, *, company_id: str, complainant: str, about: str,
                             text: str) -> None: ...

    async def add_note(self, case_id: str, *, text: str, request_id: str, internal: bool) -> None: ...


STATUSES = EnumMap.words(pb.CaseStatus)
COMPLAINT_ABOUT = EnumMap.words(pb.ComplaintAbout)


def status_name(value: int) -> str:
    return STATUSES.spell(value) or ""


# a refusal that waiting cannot cure; everything else is waited out
_FINAL = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION,
          grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.OUT_OF_RANGE}


class GrpcCasesGateway:
    """Calls with survey's system token; a complaint goes with a customer token of the case's company,
    because the customer files it (holding the signed link is its proof)."""

    def __init__(self, settings: ServiceSettings, *, target: str, timeout: float, reconnect_max_seconds: float,
                 telemetry: Telemetry | None = None) -> None:
        self._settings = settings
        self._channel = create_channel(target, telemetry=telemetry, token=SystemTokenSource(settings),
                                       options=reconnect_options(reconnect_max_seconds))
        self._stub = cases_pb2_grpc.CaseServiceStub(self._channel)
        self._timeout = timeout

    async def _call(self, method: Any, request: Any, metadata: Any = None) -> Any:
        try:
            return await method(request, timeout=self._timeout, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            if error.code() in _FINAL:
                raise CasesRefused(error.code().name, error.details() or "") from None
            raise CasesUnavailable(f"{error.code().name}: {error.details()}") from None

    async def get_case(self, case_id: str) -> CaseView:
        case = (await self._call(self._stub.GetCase, pb.GetCaseRequest(case_id=case_id))).case
        return CaseView(case.case_id, case.case_number, case.company_id, status_name(case.status),
                        case.reopen_count, case.caller.name, case.caller.phone, case.caller.email,
                        tuple(c.text for c in case.complaints))

    async def reopen(self, case_id: str, reason: str, *, request_id: str) -> None:
        await self._call(self._stub.Reopen, pb.ReopenRequest(case_id=case_id, reason=reason, request_id=request_id))

    async def file_complaint(self, case_id: str, *, company_id: str, complainant: str, about: str,
                             text: str) -> None:
        token = mint_token(self._settings, complainant, Role.CUSTOMER, company=company_id, ttl=300)
        subject = pb.ComplaintAbout.ValueType(COMPLAINT_ABOUT.number(about, "about"))
        request = pb.FileComplaintRequest(case_id=case_id, about=subject, text=text)
        await self._call(self._stub.FileComplaint, request, metadata=[("authorization", f"Bearer {token}")])

    async def add_note(self, case_id: str, *, text: str, request_id: str, internal: bool) -> None:
        visibility = pb.VISIBILITY_INTERNAL if internal else pb.VISIBILITY_PUBLIC
        await self._call(self._stub.AddNote, pb.AddNoteRequest(case_id=case_id, text=text, visibility=visibility,
                                                               request_id=request_id))

    async def close(self) -> None:
        await self._channel.close()
