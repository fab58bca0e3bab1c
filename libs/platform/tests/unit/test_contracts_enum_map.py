"""EnumMap: every proto enum of the contracts round-trips through its short form; bad values name the field."""

from __future__ import annotations

from enum import StrEnum

import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.common.v1 import common_pb2
from aftercare.intake.v1 import intake_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.contracts import EnumMap, short_form
from aftercare_platform.contracts.enum_map import UPPER_CASE_ENUMS, enum_prefix
from aftercare_platform.errors import InvalidArgument
from google.protobuf.descriptor import EnumDescriptor

EVERY_ENUM: list[EnumDescriptor] = [
    e
    for module in (cases_pb2, common_pb2, intake_pb2, sla_pb2)
    for e in module.DESCRIPTOR.enum_types_by_name.values()
]


# domain enums as a service writes them: the short forms of the proto's values
Priority = StrEnum("Priority", {f"P{n}": f"P{n}" for n in range(1, 5)})  # type: ignore[misc]
Status = StrEnum(  # type: ignore[misc]
    "Status",
    {w.upper(): w for w in ("new assigned in_progress waiting_customer resolved closed reopened cancelled").split()},
)


PRIORITIES = EnumMap(cases_pb2.Priority, Priority)
STATUSES = EnumMap(cases_pb2.CaseStatus, Status)


def violation(error: pytest.ExceptionInfo[InvalidArgument]) -> tuple[str, str]:
    [found] = error.value.violations
    return found.field, found.description


@pytest.mark.parametrize("descriptor", EVERY_ENUM, ids=[e.full_name for e in EVERY_ENUM])
def test_every_value_of_every_enum_round_trips_through_its_short_form(descriptor: EnumDescriptor) -> None:
    words = EnumMap.words(descriptor)
    prefix = enum_prefix(descriptor)
    for value in descriptor.values:
        assert value.name.startswith(prefix), f"{value.name} lacks the prefix {prefix}"
        if value.number == 0:
            assert value.name == f"{prefix}UNSPECIFIED"
            assert words.optional(0, "f") is None
            continue
        short = words.short(value.number, "f")
        assert short is not None and not short.startswith(prefix) and short == short_form(descriptor, value.name)
        assert short == (short.upper() if descriptor.full_name in UPPER_CASE_ENUMS else short.lower())
        assert words.number(short) == value.number
        assert words.parse(value.name, "f") == short, "the long name is accepted on input"
        assert words.parse(short.swapcase(), "f") == short, "any case on input"
        assert words.proto_name(short) == value.name


def test_the_upper_case_enums_exist() -> None:
    assert UPPER_CASE_ENUMS <= {e.full_name for e in EVERY_ENUM}


def test_a_domain_enum_maps_both_ways() -> None:
    assert PRIORITIES.number(Priority.P1) == cases_pb2.PRIORITY_P1
    assert PRIORITIES.number("P2") == cases_pb2.PRIORITY_P2
    assert PRIORITIES.number(None) == 0 and PRIORITIES.number("") == 0
    assert PRIORITIES.member(cases_pb2.PRIORITY_P3, "priority") is Priority.P3
    assert STATUSES.member(cases_pb2.CASE_STATUS_IN_PROGRESS, "status") is Status.IN_PROGRESS
    assert STATUSES.parse("IN_PROGRESS", "status") is Status.IN_PROGRESS
    assert STATUSES.parse("CASE_STATUS_IN_PROGRESS", "status") is Status.IN_PROGRESS
    assert STATUSES.proto_name(Status.WAITING_CUSTOMER) == "CASE_STATUS_WAITING_CUSTOMER"
    assert PRIORITIES.numbers([Priority.P4, "P1"]) == [4, 1]
    assert PRIORITIES.members([1, 2], "priorities") == [Priority.P1, Priority.P2]
    assert PRIORITIES.parse_optional("", "priority") is None


def test_an_unknown_number_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as unknown:
        PRIORITIES.member(9, "filter.priorities")
    field, description = violation(unknown)
    assert field == "filter.priorities" and "9 is not a known value" in description and "P1, P2, P3, P4" in description


def test_unspecified_is_refused_where_a_value_is_required() -> None:
    with pytest.raises(InvalidArgument) as missing:
        STATUSES.member(cases_pb2.CASE_STATUS_UNSPECIFIED, "status")
    field, description = violation(missing)
    assert field == "status" and description.startswith("is required; one of: new, assigned")
    assert STATUSES.optional(0, "status") is None


@pytest.mark.parametrize("text", ["P5", "PRIORITY_UNSPECIFIED", "UNSPECIFIED", "high", 3])
def test_unknown_text_names_the_field(text: object) -> None:
    with pytest.raises(InvalidArgument) as unknown:
        PRIORITIES.parse(text, "targets[0].priority")
    field, description = violation(unknown)
    assert field == "targets[0].priority" and description.startswith("unknown value")


def test_an_unknown_short_form_on_output_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as unknown:
        PRIORITIES.number("urgent", "suggested_priority")
    assert violation(unknown)[0] == "suggested_priority"


def test_spell_never_fails_on_output() -> None:
    assert PRIORITIES.spell(1) == "P1" and PRIORITIES.spell(0) is None and PRIORITIES.spell(42) == "42"


def test_a_domain_spelled_otherwise_is_refused_when_the_map_is_built() -> None:
    class Shouting(StrEnum):
        NEW = "NEW"

    with pytest.raises(ValueError, match="no short form"):
        EnumMap(cases_pb2.CaseStatus, Shouting)


def test_a_domain_missing_a_proto_value_is_refused_when_the_map_is_built() -> None:
    class Short(StrEnum):
        P1 = "P1"

    with pytest.raises(ValueError, match="lacks P2, P3, P4"):
        EnumMap(cases_pb2.Priority, Short)
