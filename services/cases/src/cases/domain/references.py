"""How a request names a case: by its id (a UUID) or by its number (EA-20261121-000042)."""

from __future__ import annotations

from dataclasses import dataclass

from aftercare_platform.errors import InvalidArgument
from aftercare_platform.validation import uuid_field

from cases.domain.case_numbers import looks_like_case_number, parse_case_number


@dataclass(frozen=True)
class CaseRef:
    case_id: str | None = None
    number: str | None = None

    @property
    def text(self) -> str:
        """The caller's own words for the case, as errors repeat them."""
        return self.case_id or self.number or ""

    @classmethod
    def by_id(cls, case_id: str, field: str = "case_id") -> CaseRef:
        text = (case_id or "").strip()
        if not text:
            raise InvalidArgument.for_field(field, "is required: name the case by case_id or case_number")
        return cls(case_id=uuid_field(field, text))

    @classmethod
    def by_number(cls, number: str, field: str = "case_number") -> CaseRef:
        return cls(number=str(parse_case_number(number, field)))

    @classmethod
    def of(cls, id_or_number: str, field: str = "case") -> CaseRef:
        """A path segment that may be either (HTTP `/v1/cases/{id_or_number}`)."""
        if looks_like_case_number(id_or_number):
            return cls.by_number(id_or_number, field)
        return cls.by_id(id_or_number, field)
