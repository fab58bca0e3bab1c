"""Domain errors become gRPC statuses with google.rpc details; anything else becomes a bare INTERNAL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from aftercare_platform.errors import DomainError, FieldViolation, Unavailable
from aftercare_platform.outage import RETRY_AFTER_SECONDS, is_outage_error
from aftercare_platform.servers.error_statuses import kind_for_grpc_status, statuses_of
from aftercare_platform.servers.grpc_handlers import Behavior, PerMethodInterceptor, wrap_handler
from aftercare_platform.telemetry.propagation import current_trace_id

log = logging.getLogger(__name__)

STATUS_DETAILS_KEY = "grpc-status-details-bin"
ERROR_DOMAIN = "aftercare.dev"
_CODES = {code.value[0]: code for code in grpc.StatusCode}

def status_code_of(number: int) -> grpc.StatusCode:
    """The StatusCode a google.rpc.Status's `code` number names (UNKNOWN for a number gRPC has not)."""
    return _CODES.get(number, grpc.StatusCode.UNKNOWN)


def domain_status(error: DomainError) -> status_pb2.Status:
    """The google.rpc.Status of a refusal: ErrorInfo names the error, BadRequest lists the fields."""
    info = error_details_pb2.ErrorInfo(
        reason=error.code,
        domain=ERROR_DOMAIN,
        metadata={key: str(value) for key, value in error.extra.items() if isinstance(value, str | int | float)},
    )
    details = [_packed(info)]
    if isinstance(error, Unavailable):
        # google.rpc.RetryInfo: when a client may try again (HTTP's Retry-After)
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.seconds = RETRY_AFTER_SECONDS
        details.append(_packed(retry))
    if error.violations:
        details.append(_packed(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations
        ])))
    return status_pb2.Status(code=statuses_of(error).grpc.value[0], message=error.detail, details=details)


def status_details(error: DomainError) -> bytes:
    """A serialized google.rpc.Status, as grpc-status-details-bin carries it."""
    return bytes(domain_status(error).SerializeToString())


def refusal_of(error: Exception) -> DomainError | None:
    """What a handler's error is answered with: itself when a refusal, Unavailable for an outage, None for a
    bug (INTERNAL). An answer per item of a batch call (CreateCases) reads it too."""
    if isinstance(error, DomainError):
        return error
    if is_outage_error(error):
        return Unavailable("the service cannot reach what it depends on right now; retry shortly")
    return None


def domain_error_from_status(code: grpc.StatusCode, message: str,
                             trailing_metadata: Iterable[tuple[str, Any]] | None) -> DomainError | None:
    """Rebuild the DomainError a server sent (to re-raise it at our own edge); None if it was not one."""
    # the call's own code and message stand; the details (when sent) say which error and which fields
    return domain_error_from_status_message(_status_from_metadata(trailing_metadata) or status_pb2.Status(),
                                            code=code, message=message)


def domain_error_from_status_message(status: status_pb2.Status, *, code: grpc.StatusCode | None = None,
                                     message: str | None = None) -> DomainError | None:
    """The DomainError a google.rpc.Status stands for (a batch call's answer per item); None if not one."""
    code = code or status_code_of(status.code)
    error_class = kind_for_grpc_status(code)
    if error_class is None:
        return None
    reason, violations, extra = None, [], {}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, extra = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations = [FieldViolation(v.field, v.description) for v in bad_request.field_violations]
    error = error_class(status.message if message is None else message, violations=violations, **extra)
    if reason:
        error.code = reason
    return error


def domain_error_from_rpc_error(rpc_error: grpc.aio.AioRpcError) -> DomainError | None:
    return domain_error_from_status(rpc_error.code(), rpc_error.details() or "", rpc_error.trailing_metadata())


class ErrorMappingInterceptor(PerMethodInterceptor):
    """The one place a handler's exceptions become statuses; stack traces go to the log, never the wire."""

    def wrap(self, method: str, handler: Any) -> Any:
        def wrap_single(behavior: Behavior) -> Behavior:
            async def single(request: Any, context: Any) -> Any:
                try:
                    return await behavior(request, context)
                except Exception as error:
                    await _abort_for(error, context, method)

            return single

        def wrap_stream(behavior: Behavior) -> Behavior:
            async def stream(request: Any, context: Any) -> AsyncIterator[Any]:
                try:
                    async for response in behavior(request, context):
                        yield response
                except Exception as error:
                    await _abort_for(error, context, method)

            return stream

        return wrap_handler(handler, wrap_single, wrap_stream)


async def _abort_for(error: Exception, context: Any, method: str) -> None:
    if isinstance(error, grpc.aio.AbortError):
        # the handler (or an inner interceptor) already chose the status
        raise error
    refusal = refusal_of(error)
    if refusal is not None:
        grpc_status = statuses_of(refusal).grpc
        if refusal is error:
            log.info("rpc refused", extra={"rpc_method": method, "error_code": refusal.code,
                                           "grpc_status": grpc_status.name})
        else:
            log.warning("rpc refused during an outage: %s: %s", type(error).__name__, error,
                        extra={"rpc_method": method})
        await context.abort(grpc_status, refusal.detail,
                            trailing_metadata=((STATUS_DETAILS_KEY, status_details(refusal)),))
    trace_id = current_trace_id()
    log.exception("rpc failed unexpectedly", extra={"rpc_method": method})
    reference = f" (trace {trace_id})" if trace_id else ""
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error{reference}")


def _packed(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _status_from_metadata(trailing_metadata: Iterable[tuple[str, Any]] | None) -> status_pb2.Status | None:
    for key, value in trailing_metadata or ():
        if key == STATUS_DETAILS_KEY:
            status = status_pb2.Status()
            status.ParseFromString(value)
            return status
    return None
