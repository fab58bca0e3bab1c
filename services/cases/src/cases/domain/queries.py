"""What ListCases and SearchCases ask for: filters, sort order, page size, and the scope of the asker.

Page sizes follow aftercare.common.v1.PageRequest: 0 means the default (50),
anything above the maximum (200) is capped, a negative size is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import PAGE_SIZE_DEFAULT

from cases.domain.actors import Actor
from cases.domain.case import Case
from cases.domain.text import SHORT_TEXT_MAX, optional_text
from cases.domain.timeline import canonical_time
from cases.domain.vocabulary import Category, Kind, Priority, Status, Tier

SEARCH_TEXT_MAX = 500
FILTER_VALUES_MAX = 100  # values in one repeated filter field


@dataclass(frozen=True)
class TimeRange:
    """Half-open [start, end); a missing bound is open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    def validated(self, field: str) -> TimeRange:
        for name, bound in (("start_time", self.start), ("end_time", self.end)):
            if bound is not None and (bound.tzinfo is None or bound.utcoffset() is None):
                raise InvalidArgument.for_field(f"{field}.{name}", "must carry a time zone")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise InvalidArgument.for_field(f"{field}.end_time", "must be after start_time")
        return self

    def as_key(self) -> list[str | None]:
        return [canonical_time(b) if b else None for b in (self.start, self.end)]


@dataclass(frozen=True)
class CaseFilter:
    """Every set is "any of these"; an empty set does not filter."""

    company_ids: frozenset[str] = frozenset()
    statuses: frozenset[Status] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    categories: frozenset[Category] = frozenset()
    kinds: frozenset[Kind] = frozenset()
    tiers: frozenset[Tier] = frozenset()
    regions: frozenset[str] = frozenset()
    assignee_ids: frozenset[str] = frozenset()
    asset_manufacturer: str | None = None  # case-insensitive
    created: TimeRange | None = None
    closed: TimeRange | None = None
    text: str | None = None  # SearchCases: words in description, error codes, notes, fault reports
    supervisor_review: bool = False  # only cases whose complaint about the engineer awaits the supervisor
    sla_breached: bool = False  # only cases with a breached SLA clock
    # set by scoped_to when the asker may see nothing of what it asked for
    matches_nothing: bool = False

    def validated(self, prefix: str = "filter.") -> CaseFilter:
        """Checked and normalised; field names are the request's (`filter.company_ids`, `query`)."""
        for name in ("company_ids", "regions", "assignee_ids"):
            values: frozenset[str] = getattr(self, name)
            if len(values) > FILTER_VALUES_MAX:
                raise InvalidArgument.for_field(prefix + name, f"at most {FILTER_VALUES_MAX} values")
            for value in values:
                if not value or not value.strip() or len(value) > SHORT_TEXT_MAX or "\x00" in value:
                    raise InvalidArgument.for_field(prefix + name, f"{value[:SHORT_TEXT_MAX]!r} is not a valid value")
        return replace(
            self,
            regions=frozenset(r.strip().lower() for r in self.regions),
            asset_manufacturer=optional_text(prefix + "asset_manufacturer", self.asset_manufacturer),
            created=self.created.validated(prefix + "created") if self.created else None,
            closed=self.closed.validated(prefix + "closed") if self.closed else None,
            text=optional_text("query", self.text, SEARCH_TEXT_MAX),
        )

    def fingerprint(self) -> str:
        """Stable digest of the filter; a page token is valid only with the filter it came from."""
        document: dict[str, Any] = {
            name: sorted(str(v) for v in getattr(self, name))
            for name in (
                "company_ids",
                "statuses",
                "priorities",
                "categories",
                "kinds",
                "tiers",
                "regions",
                "assignee_ids",
            )
        }
        document.update(
            asset_manufacturer=self.asset_manufacturer,
            created=self.created.as_key() if self.created else None,
            closed=self.closed.as_key() if self.closed else None,
            text=self.text,
            nothing=self.matches_nothing,
            supervisor_review=self.supervisor_review,
            sla_breached=self.sla_breached,
        )
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def scoped_to(wanted: CaseFilter, actor: Actor) -> CaseFilter:
    """`wanted` narrowed to what `actor` may see. Asking for another company's cases
    gives an empty answer, never an error: the asker learns nothing of them."""
    scope, scoped = actor.scope, wanted  # the platform's one rule of scope
    if scope.companies is not None:
        scoped = _within(scoped, "company_ids", scope.companies)
    if scope.regions is not None:
        scoped = _within(scoped, "regions", scope.regions)
    return scoped


def _within(wanted: CaseFilter, name: str, allowed: frozenset[str]) -> CaseFilter:
    asked: frozenset[str] = getattr(wanted, name)
    kept = allowed if not asked else asked & allowed
    nothing = wanted.matches_nothing or not kept
    if name == "company_ids":
        return replace(wanted, company_ids=kept, matches_nothing=nothing)
    return replace(wanted, regions=kept, matches_nothing=nothing)


class SortField(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    PRIORITY = "priority"
    CASE_NUMBER = "case_number"


class SortDirection(StrEnum):
    ASCENDING = "ascending"
    DESCENDING = "descending"


@dataclass(frozen=True)
class Sort:
    """The order of a listing; the case id breaks ties, so the order is total and pages never overlap."""

    field: SortField = SortField.CREATED_AT
    direction: SortDirection = SortDirection.DESCENDING

    def key(self, case: Case) -> str | int:
        """The value of the sort field for `case`, as it goes into a page token."""
        if self.field is SortField.CREATED_AT:
            return canonical_time(case.created_at)
        if self.field is SortField.UPDATED_AT:
            return canonical_time(case.updated_at)
        if self.field is SortField.PRIORITY:
            return case.priority.rank
        return case.number


@dataclass(frozen=True)
class CaseQuery:
    """One ListCases / SearchCases request, validated and scoped."""

    filter: CaseFilter = field(default_factory=CaseFilter)
    sort: Sort = field(default_factory=Sort)
    page_size: int = PAGE_SIZE_DEFAULT
