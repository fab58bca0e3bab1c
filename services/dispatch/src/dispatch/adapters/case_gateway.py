"""How dispatch acts on cases: GetCase, Assign, Reassign, Escalate over gRPC with its system token.

Every change carries a request id (the decision's key), so a retry after a lost answer or a
redelivered event changes the case once. `CasesUnavailable`: try again (the consumer retries);
`CasesRefused`: the case cannot take it (closed, already changed): recorded, not retried."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.errors import FailedPrecondition, Unavailable
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel, reconnect_options
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import Telemetry

from dispatch.adapters.enum_maps import CASE_STATUSES, CATEGORIES, ENTITLEMENTS


class CasesUnavailable(Exception):
    """Cases did not answer usefully: a consumer retries the event (so not a DomainError, which parks it);
    an API call answers UNAVAILABLE (`answering_callers`)."""


class CasesRefused(FailedPrecondition):
    """Cases refused the change for good (the case is closed, gone, or no longer allows it)."""

    code = "refused-by-cases"


@contextmanager
def answering_callers() -> Iterator[None]:
    """For API calls: cases being down is this request's 503 / UNAVAILABLE, never an internal error."""
    try:
        yield
    except CasesUnavailable as down:
        raise Unavailable(f"cases is unavailable, try again: {down}") from None


@dataclass(frozen=True)
class CaseFacts:
    case_id: str
    case_number: str
    region: str
    company_id: str
    site: str
    category: str
    manufacturer: str
    product: str
    status: str
    assignee_id: str
    contract_id: str = ""
    priority: int = 0  # aftercare.cases.v1.Priority, passed on as it is
    serial_number: str = ""
    entitlement: str = ""  # in_warranty, under_contract, billable, unknown
    rma: bool = False  # already down the RMA path


class CasesPort(Protocol):
    async def get_case(self, case_id: str) -> CaseFacts: ...

    async def assign(self, case_id: str, assignee_id: str, reason: str, request_id: str) -> None: ...

    async def reassign(self, case_id: str, assignee_id: str, reason: str, request_id: str) -> None: ...

    async def escalate(self, case_id: str, reason: str, request_id: str) -> None: ...

    async def escalate_to_vendor(self, case_id: str, reason: str, request_id: str) -> None: ...

    async def take_over(self, case_id: str, reason: str, caller: str) -> None: ...

    async def replace_assignee(self, case_id: str, assignee_id: str, reason: str, complaint_sequence: int | None,
                               caller: str) -> None: ...

    async def record_loaner(self, case_id: str, *, issued: bool, serial: str, device_class: str, summary: str,
                            request_id: str) -> None: ...

    async def add_note(self, case_id: str, text: str, request_id: str) -> None: ...

    async def add_participant(self, case_id: str, participant_id: str, role: str, summary: str,
                              request_id: str) -> None: ...

    async def escalate_to_rma(self, case_id: str, reason: str, request_id: str) -> None: ...

    async def record_rma_step(self, case_id: str, *, rma_number: str, step: str, summary: str,
                              request_id: str) -> None: ...

    async def device_history(self, company_id: str, serial: str, exclude: str) -> list[str]: ...

    async def close(self) -> None: ...


_REFUSED = {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.OUT_OF_RANGE}


def facts_of(case: pb.Case) -> CaseFacts:
    return CaseFacts(
        case_id=case.case_id, case_number=case.case_number, region=case.region, company_id=case.company_id,
        site=case.asset.site, category=CATEGORIES.spell(case.category) or "", manufacturer=case.asset.manufacturer,
        product=case.asset.model, status=CASE_STATUSES.spell(case.status) or "", assignee_id=case.assignee_id,
        contract_id=case.contract_id, priority=int(case.priority), serial_number=case.asset.serial_number,
        entitlement=ENTITLEMENTS.spell(case.entitlement) or "", rma=case.rma,
    )  # fmt: skip


class GrpcCases:
    def __init__(self, settings: ServiceSettings, *, target: str, timeout: float, reconnect_max_seconds: float,
                 telemetry: Telemetry | None = None) -> None:
        self._channel = create_channel(target, telemetry=telemetry, token=SystemTokenSource(settings),
                                       options=reconnect_options(reconnect_max_seconds))
        self._stub = cases_pb2_grpc.CaseServiceStub(self._channel)
        self._timeout = timeout

    async def _call(self, method: Any, request: Any, caller: str = "") -> Any:
        """`caller`: the caller's own `Bearer ...` header, for a change cases must see as theirs."""
        metadata = (("authorization", caller),) if caller else None
        try:
            return await method(request, timeout=self._timeout, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            described = f"{error.code().name}: {error.details()}"
            if error.code() in _REFUSED:
                raise CasesRefused(described) from None
            raise CasesUnavailable(described) from None

    async def get_case(self, case_id: str) -> CaseFacts:
        return facts_of((await self._call(self._stub.GetCase, pb.GetCaseRequest(case_id=case_id))).case)

    async def assign(self, case_id: str, assignee_id: str, reason: str, request_id: str) -> None:
        await self._call(self._stub.Assign, pb.AssignRequest(
            case_id=case_id, assignee_id=assignee_id, tier=pb.TIER_ENGINEER, reason=reason, request_id=request_id))

    async def reassign(self, case_id: str, assignee_id: str, reason: str, request_id: str) -> None:
        await self._call(self._stub.Reassign, pb.ReassignRequest(
            case_id=case_id, assignee_id=assignee_id, reason=reason, request_id=request_id))

    async def escalate(self, case_id: str, reason: str, request_id: str) -> None:
        await self._call(self._stub.Escalate, pb.EscalateRequest(case_id=case_id, reason=reason,
                                                                 request_id=request_id))

    async def escalate_to_vendor(self, case_id: str, reason: str, request_id: str) -> None:
        await self._call(self._stub.Escalate, pb.EscalateRequest(
            case_id=case_id, to_tier=pb.TIER_ORIGINAL_VENDOR, reason=reason, request_id=request_id))

    async def take_over(self, case_id: str, reason: str, caller: str) -> None:
        await self._call(self._stub.TakeOver, pb.TakeOverRequest(case_id=case_id, reason=reason), caller)

    async def replace_assignee(self, case_id: str, assignee_id: str, reason: str, complaint_sequence: int | None,
                               caller: str) -> None:
        request = pb.ReassignRequest(case_id=case_id, assignee_id=assignee_id, reason=reason)
        if complaint_sequence is not None:
            request.complaint_sequence = complaint_sequence
        await self._call(self._stub.Reassign, request, caller)

    async def record_loaner(self, case_id: str, *, issued: bool, serial: str, device_class: str, summary: str,
                            request_id: str) -> None:
        kind = pb.ACTIVITY_KIND_LOANER_ISSUED if issued else pb.ACTIVITY_KIND_LOANER_RETURNED
        activity = pb.Activity(kind=kind, summary=summary, device_serial=serial, device_class=device_class,
                               visibility=pb.VISIBILITY_PUBLIC)
        await self._call(self._stub.RecordActivity, pb.RecordActivityRequest(case_id=case_id, activity=activity,
                                                                             request_id=request_id))

    async def add_participant(self, case_id: str, participant_id: str, role: str, summary: str,
                              request_id: str) -> None:
        activity = pb.Activity(kind=pb.ACTIVITY_KIND_PARTICIPANT_ADDED, summary=summary, participant_id=participant_id,
                               participant_role=role, visibility=pb.VISIBILITY_INTERNAL)
        await self._call(self._stub.RecordActivity, pb.RecordActivityRequest(case_id=case_id, activity=activity,
                                                                             request_id=request_id))

    async def add_note(self, case_id: str, text: str, request_id: str) -> None:
        await self._call(self._stub.AddNote, pb.AddNoteRequest(case_id=case_id, text=text,
                                                               visibility=pb.VISIBILITY_PUBLIC, request_id=request_id))

    async def escalate_to_rma(self, case_id: str, reason: str, request_id: str) -> None:
        await self._call(self._stub.Escalate, pb.EscalateRequest(case_id=case_id, to_rma=True, reason=reason,
                                                                 request_id=request_id))

    async def record_rma_step(self, case_id: str, *, rma_number: str, step: str, summary: str,
                              request_id: str) -> None:
        activity = pb.Activity(kind=pb.ACTIVITY_KIND_RMA_STEP, summary=summary, rma_number=rma_number,
                               rma_step=step, visibility=pb.VISIBILITY_PUBLIC)
        await self._call(self._stub.RecordActivity, pb.RecordActivityRequest(case_id=case_id, activity=activity,
                                                                             request_id=request_id))

    async def device_history(self, company_id: str, serial: str, exclude: str) -> list[str]:
        """The company's earlier cases of the device, newest first (the latest 200 cases are looked at)."""
        if not company_id or not serial:
            return []
        request = pb.ListCasesRequest(filter=pb.CaseFilter(company_ids=[company_id]),
                                      sort_field=pb.CASE_SORT_FIELD_CREATED_AT,
                                      sort_direction=pb.SORT_DIRECTION_DESCENDING)
        request.page.page_size = 200
        found = (await self._call(self._stub.ListCases, request)).cases
        return [f"{c.case_number} {CASE_STATUSES.spell(c.status)}: {c.description[:200]}" for c in found
                if c.asset.serial_number == serial and c.case_id != exclude]

    async def close(self) -> None:
        await self._channel.close()
