"""The one mapping from a domain error to its gRPC status, HTTP status and problem type."""

from __future__ import annotations

from http import HTTPStatus

import grpc
import pytest
from aftercare_platform import errors
from aftercare_platform.servers.error_statuses import kind_for_grpc_status, problem_type_of, statuses_of
from aftercare_platform.servers.http_problems import problem_for


class CaseGone(errors.NotFound):
    code = "case-gone"


@pytest.mark.parametrize(("error_class", "grpc_status", "http_status"), [
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT, HTTPStatus.BAD_REQUEST),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND, HTTPStatus.NOT_FOUND),
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS, HTTPStatus.CONFLICT),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION, HTTPStatus.CONFLICT),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED, HTTPStatus.UNAUTHORIZED),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED, HTTPStatus.FORBIDDEN),
    (errors.ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED, HTTPStatus.TOO_MANY_REQUESTS),
    (errors.PayloadTooLarge, grpc.StatusCode.RESOURCE_EXHAUSTED, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE, HTTPStatus.SERVICE_UNAVAILABLE),
    (errors.DomainError, grpc.StatusCode.FAILED_PRECONDITION, HTTPStatus.CONFLICT),
    (CaseGone, grpc.StatusCode.NOT_FOUND, HTTPStatus.NOT_FOUND),
])
def test_each_error_has_one_grpc_and_one_http_status(
    error_class: type[errors.DomainError], grpc_status: grpc.StatusCode, http_status: HTTPStatus
) -> None:
    error = error_class("refused")
    assert statuses_of(error).grpc is grpc_status
    assert statuses_of(error_class).http is http_status
    assert problem_for(error).status == int(http_status)


def test_a_service_error_keeps_its_own_name_in_the_problem_type() -> None:
    error = CaseGone("case 7 is gone", number=7)
    assert problem_type_of(error) == "https://aftercare.dev/problems/case-gone"
    assert problem_for(error).as_dict() == {
        "type": "https://aftercare.dev/problems/case-gone", "title": "Case gone", "status": 404,
        "detail": "case 7 is gone", "number": 7,
    }


def test_a_remote_status_names_the_kind_of_error_back() -> None:
    assert kind_for_grpc_status(grpc.StatusCode.NOT_FOUND) is errors.NotFound
    assert kind_for_grpc_status(grpc.StatusCode.RESOURCE_EXHAUSTED) is errors.ResourceExhausted
    assert kind_for_grpc_status(grpc.StatusCode.INTERNAL) is None
