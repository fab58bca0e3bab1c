"""Domain errors with names; each maps to one gRPC status and one HTTP status at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus

import grpc


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    """Base of every error a service means to tell its caller about."""

    grpc_status: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION
    http_status: HTTPStatus = HTTPStatus.CONFLICT
    # short machine-readable name; RFC 9457 `type` is built from it
    code: str = "failed-precondition"

    def __init__(self, detail: str, *, violations: list[FieldViolation] | None = None, **extra: object):
        super().__init__(detail)
        self.detail = detail
        self.violations = list(violations or [])
        self.extra = extra

    @property
    def title(self) -> str:
        return self.code.replace("-", " ").capitalize()


class InvalidArgument(DomainError):
    # every bad input is one status: 400 (and INVALID_ARGUMENT), whatever layer found it
    grpc_status = grpc.StatusCode.INVALID_ARGUMENT
    http_status = HTTPStatus.BAD_REQUEST
    code = "invalid-argument"

    @classmethod
    def for_field(cls, field_name: str, description: str) -> InvalidArgument:
        return cls(f"{field_name}: {description}", violations=[FieldViolation(field_name, description)])


class NotFound(DomainError):
    grpc_status = grpc.StatusCode.NOT_FOUND
    http_status = HTTPStatus.NOT_FOUND
    code = "not-found"


class AlreadyExists(DomainError):
    grpc_status = grpc.StatusCode.ALREADY_EXISTS
    http_status = HTTPStatus.CONFLICT
    code = "already-exists"


class FailedPrecondition(DomainError):
    grpc_status = grpc.StatusCode.FAILED_PRECONDITION
    http_status = HTTPStatus.CONFLICT
    code = "failed-precondition"


class Unauthenticated(DomainError):
    grpc_status = grpc.StatusCode.UNAUTHENTICATED
    http_status = HTTPStatus.UNAUTHORIZED
    code = "unauthenticated"


class PermissionDenied(DomainError):
    grpc_status = grpc.StatusCode.PERMISSION_DENIED
    http_status = HTTPStatus.FORBIDDEN
    code = "permission-denied"


class ResourceExhausted(DomainError):
    grpc_status = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = HTTPStatus.TOO_MANY_REQUESTS
    code = "resource-exhausted"


class Unavailable(DomainError):
    grpc_status = grpc.StatusCode.UNAVAILABLE
    http_status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "unavailable"


@dataclass
class Problem:
    """An RFC 9457 problem body."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


PROBLEM_TYPE_BASE = "https://aftercare.dev/problems/"


def problem_for(error: DomainError) -> Problem:
    return Problem(
        type=PROBLEM_TYPE_BASE + error.code,
        title=error.title,
        status=int(error.http_status),
        detail=error.detail,
        errors=[{"field": v.field, "description": v.description} for v in error.violations],
        extra={k: v for k, v in error.extra.items() if isinstance(v, str | int | float | bool | list)},
    )
