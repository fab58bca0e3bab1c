"""The customer's requested response time (plan 003 §3): a positive duration, kept on the case and sent on
CaseCreated for sla-timer, which honours it where the contract's policy does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import InvalidArgument
from cases.adapters.case_codec import case_from_document, case_to_document
from cases.adapters.proto_mapping import event_data
from cases.domain import commands
from cases.domain.commands import NewCase

NUMBER = "EA-20261121-000001"


@pytest.mark.parametrize("requested", [timedelta(0), timedelta(minutes=-5), timedelta(days=367)])
def test_a_requested_response_must_be_a_positive_duration(
    requested: timedelta, report: Callable[..., NewCase], people: SimpleNamespace, t0
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        commands.open_case(
            report(customer_requested_response=requested), case_id="c", number=NUMBER, actor=people.agent, at=t0
        )
    assert refused.value.violations[0].field == "customer_requested_response"


def test_the_requested_response_is_kept_and_sent_on_case_created(
    report: Callable[..., NewCase], people: SimpleNamespace, t0
) -> None:
    opened = commands.open_case(
        report(customer_requested_response=timedelta(minutes=20)), case_id="c", number=NUMBER,
        actor=people.agent, at=t0,
    )
    assert opened.case.customer_requested_response == timedelta(minutes=20)
    assert case_from_document(case_to_document(opened.case)).customer_requested_response == timedelta(minutes=20)
    assert event_data(opened.event("created"))["customerRequestedResponse"] == "1200s"


def test_no_request_sends_none(report: Callable[..., NewCase], people: SimpleNamespace, t0) -> None:
    opened = commands.open_case(report(), case_id="c", number=NUMBER, actor=people.agent, at=t0)
    assert opened.case.customer_requested_response is None
    assert "customerRequestedResponse" not in event_data(opened.event("created"))
