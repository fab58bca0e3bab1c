"""Naming a case in a request: by UUID or by number; anything else is INVALID_ARGUMENT naming the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from aftercare_platform.errors import InvalidArgument
from cases.domain.references import CaseRef


def test_a_case_is_named_by_id_or_by_number() -> None:
    case_id = str(uuid.uuid4())
    assert CaseRef.by_id(f" {case_id.upper()} ") == CaseRef(case_id=case_id)
    assert CaseRef.by_number("ea-20261121-000042") == CaseRef(number="EA-20261121-000042")
    assert CaseRef.of(case_id).case_id == case_id
    assert CaseRef.of("EA-20261121-000042").text == "EA-20261121-000042"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: CaseRef.by_id(""), "case_id"),
        (lambda: CaseRef.by_id("42"), "case_id"),
        (lambda: CaseRef.by_number("EA-2026-1"), "case_number"),
        (lambda: CaseRef.of("not-a-case"), "case"),
        (lambda: CaseRef.of("EA-20261341-000001"), "case"),
    ],
)
def test_anything_else_names_the_field(call: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        call()
    assert [v.field for v in refused.value.violations] == [field]


def test_no_text_holds_a_nul_character() -> None:
    from cases.domain.case import Caller

    with pytest.raises(InvalidArgument) as refused:
        Caller(name="Li\x00Lei", phone="1").validated()
    assert [v.field for v in refused.value.violations] == ["caller.name"]
