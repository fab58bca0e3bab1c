"""The customer's requested response time (plan 003 §3): checked on the report, carried by the case plan,
sent in CreateCase."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aftercare_platform.errors import InvalidArgument
from intake.adapters.cases_gateway import create_case_request
from intake.domain.case_plan import CasePlan
from intake.domain.intake_request import IntakeRequest
from intake.domain.vocabulary import Channel

from .test_case_plan import NOW, plan


def _request(**fields: object) -> IntakeRequest:
    return IntakeRequest.create(channel=Channel.EMAIL, received_at=NOW, description="core switch down",
                                reporter={"email": "li@acme.cn"}, **fields)


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(minutes=-5), "soon", "-PT5M", 1e13])
def test_a_requested_response_must_be_a_positive_duration(bad: object) -> None:
    with pytest.raises(InvalidArgument) as refused:
        _request(customer_requested_response=bad)
    assert [v.field for v in refused.value.violations] == ["customer_requested_response"]


def test_the_plan_carries_it_and_create_case_sends_it() -> None:
    planned = plan(_request(customer_requested_response="PT20M"))
    assert planned.customer_requested_response_seconds == 1200
    assert CasePlan.from_json(planned.to_json()) == planned
    sent = create_case_request("req-1", planned)
    assert sent.HasField("customer_requested_response")
    assert sent.customer_requested_response.ToTimedelta() == timedelta(minutes=20)


def test_without_one_nothing_is_sent() -> None:
    planned = plan(_request())
    assert planned.customer_requested_response_seconds is None
    assert not create_case_request("req-1", planned).HasField("customer_requested_response")
    # a plan stored before the field existed still loads
    old = {k: v for k, v in planned.to_json().items() if k != "customer_requested_response_seconds"}
    assert CasePlan.from_json(old) == planned
