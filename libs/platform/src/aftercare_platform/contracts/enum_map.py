"""One spelling of every enum value on every wire, and the two-way map between a proto enum and a
domain enum.

The wire spelling (the "short form") of a proto enum value is its name without the enum's prefix:
`PRIORITY_P1` -> `P1`, `CASE_STATUS_IN_PROGRESS` -> `in_progress`. It is lower case, except for the
enums listed in `UPPER_CASE_ENUMS` (codes: priorities, categories, SLA clock kinds and statuses). A domain enum's
values must be exactly these short forms, so a domain value *is* its wire spelling: REST, the CLI,
timeline payloads and domain payloads all carry it unchanged. Only the proto3 JSON of an event keeps
the proto's long names (`PRIORITY_P1`), as the protobuf JSON mapping prescribes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Generic, TypeVar

from google.protobuf.descriptor import EnumDescriptor

from aftercare_platform.errors import InvalidArgument

E = TypeVar("E", bound=StrEnum)

# Enums whose short forms are codes spelled in upper case; every other enum is spelled in lower case.
UPPER_CASE_ENUMS = frozenset(
    {
        "aftercare.cases.v1.Priority",  # P1 .. P4
        "aftercare.cases.v1.Category",  # A .. G
        "aftercare.sla.v1.ClockKind",  # FIRST_RESPONSE, ON_SITE, ... (the keys of the policy YAML)
        "aftercare.sla.v1.ClockStatus",  # RUNNING, MET, ... (as sla-timer stores and reports them)
    }
)


def descriptor_of(proto: Any) -> EnumDescriptor:
    """An EnumDescriptor from itself or from a generated enum wrapper (`cases_pb2.Priority`)."""
    return proto if isinstance(proto, EnumDescriptor) else proto.DESCRIPTOR


@functools.cache
def enum_prefix(descriptor: EnumDescriptor) -> str:
    """`CaseStatus` -> `CASE_STATUS_` (buf's ENUM_VALUE_PREFIX rule)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", descriptor.name).upper() + "_"


def short_form(proto: Any, name: str) -> str:
    """The wire spelling of a proto value name: `PRIORITY_P1` -> `P1`, `CASE_STATUS_NEW` -> `new`."""
    descriptor = descriptor_of(proto)
    bare = name.removeprefix(enum_prefix(descriptor))
    return bare.upper() if descriptor.full_name in UPPER_CASE_ENUMS else bare.lower()


class EnumMap(Generic[E]):
    """proto enum number / proto name <-> domain member <-> short form, checked both ways when built:
    every domain value is the short form of a proto value and every proto value but UNSPECIFIED has
    its domain member. Unknown or missing input is InvalidArgument naming the field."""

    def __init__(self, proto: Any, domain: type[E]) -> None:
        self.descriptor = descriptor_of(proto)
        self.domain = domain
        self.prefix = enum_prefix(self.descriptor)
        self._numbers: dict[str, int] = {}
        self._members: dict[int, E] = {}
        self._names: dict[str, str] = {}
        self._lookup: dict[str, E] = {}
        spelled = {short_form(self.descriptor, v.name): v for v in self.descriptor.values if v.number != 0}
        for member in domain:
            value = spelled.pop(member.value, None)
            if value is None:
                where = self.descriptor.full_name
                raise ValueError(f"{domain.__name__}.{member.name} = {member.value!r} is no short form of {where}")
            self._numbers[member.value] = int(value.number)
            self._members[int(value.number)] = member
            self._names[member.value] = value.name
            self._lookup[member.value.lower()] = member
            self._lookup[value.name.lower()] = member
        if spelled:
            raise ValueError(f"{domain.__name__} lacks {', '.join(sorted(spelled))} of {self.descriptor.full_name}")

    @classmethod
    def words(cls, proto: Any) -> EnumMap[StrEnum]:
        """A map onto the proto's own short forms, for a vocabulary this service keeps no enum of."""
        return _words(descriptor_of(proto))

    def __iter__(self) -> Iterator[E]:
        return iter(self.domain)

    def allowed(self) -> str:
        return ", ".join(m.value for m in self.domain)

    # ---- proto -> domain

    def optional(self, number: int, field: str) -> E | None:
        """The member for a proto number; None for UNSPECIFIED (0); InvalidArgument for an unknown number."""
        if number == 0:
            return None
        found = self._members.get(number)
        if found is None:
            raise InvalidArgument.for_field(field, f"{number} is not a known value; one of: {self.allowed()}")
        return found

    def member(self, number: int, field: str) -> E:
        """The member for a proto number; InvalidArgument naming `field` when unspecified or unknown."""
        return self._required(self.optional(number, field), field)

    def members(self, numbers: Any, field: str) -> list[E]:
        """Every member of a repeated enum field (none may be unspecified)."""
        return [self.member(n, field) for n in numbers]

    # ---- text -> domain

    def parse_optional(self, text: object, field: str) -> E | None:
        """A short form (any case; the long proto name tolerated on input); None for empty/None."""
        if text is None or text == "":
            return None
        if isinstance(text, self.domain):
            return text
        found = self._lookup.get(text.strip().lower()) if isinstance(text, str) else None
        if found is None:
            raise InvalidArgument.for_field(field, f"unknown value {text!r}; one of: {self.allowed()}")
        return found

    def parse(self, text: object, field: str) -> E:
        return self._required(self.parse_optional(text, field), field)

    def _required(self, found: E | None, field: str) -> E:
        if found is None:
            raise InvalidArgument.for_field(field, f"is required; one of: {self.allowed()}")
        return found

    # ---- domain -> proto

    def number(self, value: E | str | None, field: str = "value") -> int:
        """The proto number of a member or of its short form; 0 (UNSPECIFIED) for None or ""."""
        if value is None or value == "":
            return 0
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[self.parse(value, field).value]
        return found

    def numbers(self, values: Any, field: str = "value") -> list[int]:
        return [self.number(v, field) for v in values]

    def proto_name(self, value: E | str, field: str = "value") -> str:
        """The long proto name (`PRIORITY_P1`): what the proto3 JSON of an event carries."""
        found = self._names.get(value)
        return found if found is not None else self._names[self.parse(value, field).value]

    def spell(self, number: int) -> str | None:
        """The short form of a proto number for output that must not fail: None for UNSPECIFIED, the
        digits for a number newer than this build."""
        found = self._members.get(number)
        return found.value if found is not None else (str(number) if number else None)

    def short(self, number: int, field: str) -> str | None:
        """The short form of a proto number (None for UNSPECIFIED)."""
        found = self.optional(number, field)
        return found.value if found is not None else None


@functools.cache
def _words(descriptor: EnumDescriptor) -> EnumMap[StrEnum]:
    members = {short_form(descriptor, v.name).upper(): short_form(descriptor, v.name)
               for v in descriptor.values if v.number != 0}
    domain = StrEnum(descriptor.name, members)  # type: ignore[misc]
    return EnumMap(descriptor, domain)
