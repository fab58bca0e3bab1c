"""Domain errors with names, and nothing of any wire: `servers/error_statuses.py` maps each to its statuses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    """Base of every error a service means to tell its caller about."""

    # short machine-readable name; the edge builds the RFC 9457 `type` and gRPC ErrorInfo reason from it
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
    code = "invalid-argument"

    @classmethod
    def for_field(cls, field_name: str, description: str) -> InvalidArgument:
        return cls(f"{field_name}: {description}", violations=[FieldViolation(field_name, description)])


class NotFound(DomainError):
    code = "not-found"


class AlreadyExists(DomainError):
    code = "already-exists"


class FailedPrecondition(DomainError):
    code = "failed-precondition"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class PermissionDenied(DomainError):
    code = "permission-denied"


class ResourceExhausted(DomainError):
    code = "resource-exhausted"


class PayloadTooLarge(ResourceExhausted):
    """A request body over the size an endpoint accepts (HTTP says 413 rather than 429)."""

    code = "payload-too-large"


class UnsupportedMediaType(InvalidArgument):
    """A body of a media type the endpoint does not take (HTTP says 415 rather than 400)."""

    code = "unsupported-media-type"


class Unavailable(DomainError):
    code = "unavailable"
