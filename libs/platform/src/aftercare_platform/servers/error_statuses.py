"""The one mapping from a domain error to what the edges say: gRPC status, HTTP status, RFC 9457 problem type.

The gRPC interceptor (`grpc_errors`) and the HTTP problem handlers (`http_problems`) both read it, so the
domain (`aftercare_platform.errors`) never loads grpc or an HTTP framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

import grpc

from aftercare_platform import errors
from aftercare_platform.errors import DomainError

PROBLEM_TYPE_BASE = "https://aftercare.dev/problems/"


@dataclass(frozen=True)
class Statuses:
    grpc: grpc.StatusCode
    http: HTTPStatus


# each kind of error has its own gRPC status, so a remote status names its kind back (one to one)
_KINDS: dict[type[DomainError], Statuses] = {
    errors.InvalidArgument: Statuses(grpc.StatusCode.INVALID_ARGUMENT, HTTPStatus.BAD_REQUEST),
    errors.NotFound: Statuses(grpc.StatusCode.NOT_FOUND, HTTPStatus.NOT_FOUND),
    errors.AlreadyExists: Statuses(grpc.StatusCode.ALREADY_EXISTS, HTTPStatus.CONFLICT),
    errors.FailedPrecondition: Statuses(grpc.StatusCode.FAILED_PRECONDITION, HTTPStatus.CONFLICT),
    errors.Unauthenticated: Statuses(grpc.StatusCode.UNAUTHENTICATED, HTTPStatus.UNAUTHORIZED),
    errors.PermissionDenied: Statuses(grpc.StatusCode.PERMISSION_DENIED, HTTPStatus.FORBIDDEN),
    errors.ResourceExhausted: Statuses(grpc.StatusCode.RESOURCE_EXHAUSTED, HTTPStatus.TOO_MANY_REQUESTS),
    errors.Unavailable: Statuses(grpc.StatusCode.UNAVAILABLE, HTTPStatus.SERVICE_UNAVAILABLE),
}
# errors that keep their kind's gRPC status but have a more precise HTTP one
_NARROWER: dict[type[DomainError], Statuses] = {
    errors.PayloadTooLarge: Statuses(grpc.StatusCode.RESOURCE_EXHAUSTED, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    errors.UnsupportedMediaType: Statuses(grpc.StatusCode.INVALID_ARGUMENT, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
}
# a bare DomainError refuses the request as it stands
_UNCLASSIFIED = _KINDS[errors.FailedPrecondition]

_KIND_BY_GRPC_STATUS: dict[grpc.StatusCode, type[DomainError]] = {
    statuses.grpc: kind for kind, statuses in _KINDS.items()
}


def statuses_of(error: DomainError | type[DomainError]) -> Statuses:
    """The statuses of an error (or error class): those of the nearest class the mapping names."""
    error_class = error if isinstance(error, type) else type(error)
    for ancestor in error_class.__mro__:
        found = _NARROWER.get(ancestor) or _KINDS.get(ancestor)
        if found:
            return found
    return _UNCLASSIFIED


def problem_type_of(error: DomainError) -> str:
    return PROBLEM_TYPE_BASE + error.code


def kind_for_grpc_status(code: grpc.StatusCode) -> type[DomainError] | None:
    """The error class a remote gRPC status stands for (None: the status is not a domain refusal)."""
    return _KIND_BY_GRPC_STATUS.get(code)
