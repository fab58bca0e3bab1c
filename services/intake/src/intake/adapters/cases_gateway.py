"""How intake reaches the cases service: a port (`CasesGateway`) and its gRPC adapter.

Errors are sorted for the deliverer: `CasesUnavailable` (try again later: cases down, slow,
overloaded, or this service misconfigured), `CaseGone` (a note's case does not exist or takes no
more notes), `CasesRefused` (the report itself is refused: retrying cannot help)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import grpc
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.common.v1 import common_pb2
from aftercare_platform.batching import GroupCommitter
from aftercare_platform.contracts.limits import MAX_CREATIONS_PER_CALL
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel
from aftercare_platform.servers.grpc_errors import status_code_of
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import Telemetry
from google.rpc import status_pb2
from opentelemetry import metrics
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from intake.adapters.proto_mapping import ACTOR_ROLES, CASE_CHANNELS, CATEGORIES, ENTITLEMENTS, KINDS, PRIORITIES
from intake.domain.case_plan import CasePlan


@dataclass(frozen=True)
class OpenedCase:
    case_id: str
    case_number: str
    created: bool = True
    created_at: datetime | None = None


class CasesUnavailable(Exception):
    """Cases did not answer (or not usefully): the submission stays pending and is retried."""


class CasesRefused(Exception):
    """Cases refused the request for good (an invalid report)."""


class CaseGone(Exception):
    """The case a note is for does not exist (or cannot take notes any more)."""


class CasesGateway(Protocol):
    async def create_case(self, request_id: str, plan: CasePlan) -> OpenedCase: ...

    async def add_note(self, request_id: str, case_number: str, text: str, *, internal: bool = False,
                       on_behalf: common_pb2.Actor | None = None) -> OpenedCase:
        ...


def create_case_request(request_id: str, plan: CasePlan) -> pb.CreateCaseRequest:
    message = pb.CreateCaseRequest(
        request_id=request_id,
        region=plan.region,
        company_id=plan.company_id or "",
        contract_id=plan.contract_id or "",
        caller=pb.Caller(name=plan.caller.name, phone=plan.caller.phone or "", email=plan.caller.email or ""),
        asset=pb.Asset(**plan.asset),
        description=plan.description,
        error_codes=list(plan.error_codes),
        category=CATEGORIES.number(plan.category, "category"),  # type: ignore[arg-type]
        kind=KINDS.number(plan.kind, "kind"),  # type: ignore[arg-type]
        priority=PRIORITIES.number(plan.priority, "priority"),  # type: ignore[arg-type]
        customer_severity=PRIORITIES.number(plan.customer_severity, "customer_severity"),  # type: ignore[arg-type]
        channel=CASE_CHANNELS.number(plan.channel, "channel"),  # type: ignore[arg-type]
        entitlement=ENTITLEMENTS.number(plan.entitlement, "entitlement"),  # type: ignore[arg-type]
        unidentified=plan.unidentified,
        not_entitled=plan.not_entitled,
        reported_by=plan.reported_by or "",
        on_behalf_of=on_behalf_of(plan),
        suggested_priority=PRIORITIES.number(plan.suggested_priority, "suggested_priority"),  # type: ignore[arg-type]
    )
    if plan.customer_requested_response_seconds is not None:
        message.customer_requested_response.FromTimedelta(timedelta(seconds=plan.customer_requested_response_seconds))
    return message


def on_behalf_of(plan: CasePlan) -> common_pb2.Actor | None:
    """The person the channel acted for, as cases records it (the role in the wire's words)."""
    return actor_of(plan.on_behalf)


def actor_of(on_behalf: dict[str, str] | None) -> common_pb2.Actor | None:
    """A plan's `on_behalf` as cases' Actor (None: nobody, a machine or an unverified sender)."""
    if not on_behalf:
        return None
    fields = dict(on_behalf)
    role = ACTOR_ROLES.number(fields.pop("role"), "on_behalf_of.role")
    return common_pb2.Actor(role=role, **fields)  # type: ignore[arg-type]


_TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED,
              grpc.StatusCode.ABORTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN,
              grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED,
              grpc.StatusCode.UNIMPLEMENTED}


# a call's requests (and its answer: each case carries its description back) stay well under gRPC's 4 MiB:
# a hundred descriptions of 20,000 Chinese characters would be 6 MB
MAX_CALL_BYTES = 1024 * 1024


def calls_within(creations: Sequence[pb.CreateCaseRequest],
                 max_bytes: int = MAX_CALL_BYTES) -> list[Sequence[pb.CreateCaseRequest]]:
    """The creations split, in order, into calls of at most `max_bytes` of requests (one alone may exceed it)."""
    calls: list[Sequence[pb.CreateCaseRequest]] = []
    start, size = 0, 0
    for index, creation in enumerate(creations):
        item = creation.ByteSize()
        if index > start and size + item > max_bytes:
            calls.append(creations[start:index])
            start, size = index, 0
        size += item
    if start < len(creations):
        calls.append(creations[start:])
    return calls


def _describe(error: grpc.aio.AioRpcError) -> str:
    return f"{error.code().name}: {error.details()}"


def _opened(response: pb.CreateCaseResponse) -> OpenedCase:
    case = response.case
    created_at = case.created_at.ToDatetime(tzinfo=UTC) if case.HasField("created_at") else None
    return OpenedCase(case.case_id, case.case_number, response.created, created_at)


def _creation_refused(code: grpc.StatusCode, description: str) -> Exception:
    return CasesUnavailable(description) if code in _TRANSIENT else CasesRefused(description)


class GrpcCasesGateway:
    """CreateCase / AddNote over gRPC with this service's system token; a blip is retried at once
    (tenacity, a few tries), an outage is left to the durable retry of the deliverer."""

    def __init__(self, settings: ServiceSettings, *, target: str, timeout: float, reconnect_max_seconds: float,
                 telemetry: Telemetry | None = None, creation_calls: int = 1) -> None:
        backoff_ms = int(reconnect_max_seconds * 1000)
        self._channel = create_channel(target, telemetry=telemetry, token=SystemTokenSource(settings), options=[
            ("grpc.initial_reconnect_backoff_ms", min(200, backoff_ms)),
            ("grpc.min_reconnect_backoff_ms", min(200, backoff_ms)),
            ("grpc.max_reconnect_backoff_ms", backoff_ms),
        ])
        self._stub = cases_pb2_grpc.CaseServiceStub(self._channel)
        self._timeout = timeout
        meter = telemetry.meter("aftercare.intake") if telemetry else metrics.get_meter("aftercare.intake")
        # whether batching happens: 1 per call when quiet, more under load
        self._per_call = meter.create_histogram(
            "aftercare_intake_cases_creations_per_call",
            description="creations sent to cases in one call (CreateCases, or 1: CreateCase alone)",
            explicit_bucket_boundaries_advisory=[1, 2, 4, 8, 16, 32, 64, 100])
        # creations that arrive while a lane's call is out go together in its next CreateCases: one call, one
        # token check, one socket write for a busy hour's reports; a quiet service sends each at once. One lane
        # by default: with 4, at 16 submissions in flight, calls averaged 1.02 creations and saved nothing
        self._lanes = itertools.cycle(range(max(1, creation_calls)))
        self._creations: GroupCommitter[pb.CreateCaseRequest, OpenedCase | Exception] = GroupCommitter(
            self._create_together, self._create_alone, max_batch=MAX_CREATIONS_PER_CALL, name="CreateCases")

    async def _call(self, method: Any, request: Any) -> Any:
        retrying = AsyncRetrying(stop=stop_after_attempt(2), wait=wait_exponential(multiplier=0.05, max=0.2),
                                 retry=retry_if_exception_type(_Blip), reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        return await method(request, timeout=self._timeout)
                    except grpc.aio.AioRpcError as error:
                        if error.code() in (grpc.StatusCode.ABORTED,):
                            raise _Blip(_describe(error)) from error  # a concurrent change on the case
                        raise
        except _Blip as blip:
            raise CasesUnavailable(str(blip)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def create_case(self, request_id: str, plan: CasePlan) -> OpenedCase:
        # built here: a plan cases' vocabulary cannot say fails its own delivery, not a batch
        outcome = await self._creations.submit(next(self._lanes), create_case_request(request_id, plan))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _create_alone(self, creation: pb.CreateCaseRequest) -> OpenedCase | Exception:
        try:
            response = await self._call(self._stub.CreateCase, creation)
        except grpc.aio.AioRpcError as error:
            return _creation_refused(error.code(), _describe(error))
        return _opened(response)

    async def _create_together(self, creations: Sequence[pb.CreateCaseRequest]) -> list[OpenedCase | Exception | None]:
        """CreateCases for a batch (several calls for a large one); None for what goes alone (CreateCase, with its
        retry of a blip): a call of one, a failed call (an older cases, an outage: alone says which), an item
        cases could not take now."""
        answers = await asyncio.gather(*(self._send_together(call) for call in calls_within(creations)))
        return [answer for answered in answers for answer in answered]

    async def _send_together(self, creations: Sequence[pb.CreateCaseRequest]) -> list[OpenedCase | Exception | None]:
        self._per_call.record(len(creations))
        if len(creations) == 1:
            return [None]
        try:
            response = await self._stub.CreateCases(pb.CreateCasesRequest(requests=creations), timeout=self._timeout)
        except grpc.aio.AioRpcError:
            return [None] * len(creations)
        return [self._result_of(result) for result in response.results]

    @staticmethod
    def _result_of(result: pb.CreateCaseResult) -> OpenedCase | Exception | None:
        if result.WhichOneof("result") == "created":
            return _opened(result.created)
        status = status_pb2.Status.FromString(result.error)
        code = status_code_of(status.code)
        return None if code in _TRANSIENT else CasesRefused(f"{code.name}: {status.message}")

    async def add_note(self, request_id: str, case_number: str, text: str, *, internal: bool = False,
                       on_behalf: common_pb2.Actor | None = None) -> OpenedCase:
        # the receipt id as request id: a retry after a lost answer adds the note once
        visibility = pb.VISIBILITY_INTERNAL if internal else pb.VISIBILITY_PUBLIC
        request = pb.AddNoteRequest(case_number=case_number, text=text, visibility=visibility, request_id=request_id,
                                    on_behalf_of=on_behalf)
        try:
            response = await self._call(self._stub.AddNote, request)
        except grpc.aio.AioRpcError as error:
            if error.code() in _TRANSIENT:
                raise CasesUnavailable(_describe(error)) from None
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                raise CaseGone(_describe(error)) from None
            raise CasesRefused(_describe(error)) from None
        return OpenedCase(response.case.case_id, response.case.case_number)

    async def close(self) -> None:
        await self._creations.wait_idle()
        await self._channel.close()


class _Blip(Exception):
    pass
