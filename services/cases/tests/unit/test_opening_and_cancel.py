"""The rules of domain.md for opening and cancelling a case (the rest: test_rules.py)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import InvalidArgument
from cases.domain import commands
from cases.domain.case import Case
from cases.domain.commands import NewCase
from cases.domain.vocabulary import CancelReason, Status, Tier


def field_of(error: pytest.ExceptionInfo[InvalidArgument]) -> str:
    return error.value.violations[0].field


# --- cancel -------------------------------------------------------------------------------


def test_a_duplicate_names_the_original(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.NEW)
    with pytest.raises(InvalidArgument) as unnamed:
        commands.cancel(case, people.agent, case.updated_at, reason=CancelReason.DUPLICATE, text="dup")
    assert field_of(unnamed) == "duplicate_of"
    with pytest.raises(InvalidArgument) as itself:
        commands.cancel(
            case, people.agent, case.updated_at, reason=CancelReason.DUPLICATE, text="dup", duplicate_of=case.number
        )
    assert field_of(itself) == "duplicate_of"
    done = commands.cancel(
        case,
        people.agent,
        case.updated_at,
        reason=CancelReason.DUPLICATE,
        text="dup",
        duplicate_of="ea-20261120-000007",
    )
    assert done.case.cancellation is not None and done.case.cancellation.duplicate_of == "EA-20261120-000007"
    assert done.case.cancelled_at == case.updated_at
    assert done.event("cancelled").payload["reason"] == "duplicate"


# --- opening ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": ""}, "region"),
        ({"region": "East Coast"}, "region"),
        ({"company_id": None}, "company_id"),
        ({"description": ""}, "description"),
        ({"description": "x" * 20_001}, "description"),
        ({"error_codes": tuple(f"E{i}" for i in range(51))}, "error_codes"),
    ],
)
def test_opening_names_the_bad_field(
    overrides: dict[str, object], field: str, report: Callable[..., NewCase], people: SimpleNamespace, t0
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        commands.open_case(report(**overrides), case_id="c", number="EA-20261121-000001", actor=people.agent, at=t0)
    assert field_of(refused) == field


def test_opening_needs_a_way_to_answer_the_caller(report: Callable[..., NewCase], people: SimpleNamespace, t0) -> None:
    from cases.domain.case import Caller

    with pytest.raises(InvalidArgument) as refused:
        commands.open_case(
            report(caller=Caller(name="Li")), case_id="c", number="EA-20261121-000001", actor=people.agent, at=t0
        )
    assert field_of(refused) == "caller.phone"
    with pytest.raises(InvalidArgument) as bad_email:
        commands.open_case(
            report(caller=Caller(name="Li", email="nobody")),
            case_id="c",
            number="EA-20261121-000001",
            actor=people.agent,
            at=t0,
        )
    assert field_of(bad_email) == "caller.email"


def test_an_unidentified_caller_needs_no_company(report: Callable[..., NewCase], people: SimpleNamespace, t0) -> None:
    opened = commands.open_case(
        report(company_id=None, contract_id=None, unidentified=True),
        case_id="c",
        number="EA-20261121-000001",
        actor=people.agent,
        at=t0,
    )
    assert opened.case.flags.unidentified and opened.case.company_id is None


def test_the_number_must_belong_to_the_region(report: Callable[..., NewCase], people: SimpleNamespace, t0) -> None:
    with pytest.raises(InvalidArgument) as refused:
        commands.open_case(report(), case_id="c", number="WE-20261121-000001", actor=people.agent, at=t0)
    assert field_of(refused) == "number"


def test_a_new_case_starts_at_the_desk_and_says_so(report: Callable[..., NewCase], people: SimpleNamespace, t0) -> None:
    opened = commands.open_case(report(), case_id="case-9", number="EA-20261121-000009", actor=people.agent, at=t0)
    case = opened.case
    assert (case.status, case.tier, case.version, case.created_at) == (Status.NEW, Tier.DESK, 1, t0)
    created = opened.event("created")
    assert created.type == "aftercare.case.created.v1"
    assert created.routing_key() == "case.created.east"
    assert created.subject == "case-9"
    payload = created.payload
    for key in (
        "case_id",
        "case_number",
        "region",
        "company_id",
        "contract_id",
        "priority",
        "category",
        "kind",
        "assignee_id",
        "tier",
        "status",
        "occurred_at",
        "actor",
    ):
        assert key in payload
    assert payload["caller"]["phone"] == "+86 138 0000 0000"
    assert payload["actor"] == {"subject_id": "agent-1", "role": "agent"}
    assert opened.entries[0].kind == "created"
