"""A priority suggestion from category, kind and the customer's stated severity.

The agent sets the priority; this only proposes one. The customer's severity is taken at its
word, bounded by what the category can be (a change request is never an outage), and a category
alone gives its usual urgency:

| category                  | critical | major | general | non-fault | not stated |
|---------------------------|----------|-------|---------|-----------|------------|
| A daily question or fault | P1       | P2    | P3      | P4        | P3         |
| B infrastructure          | P1       | P2    | P3      | P4        | P2         |
| C upgrade / patch         | P2       | P2    | P3      | P4        | P4         |
| D software bug            | P1       | P2    | P3      | P4        | P3         |
| E third-party software    | P2       | P2    | P3      | P4        | P3         |
| F change request          | P3       | P3    | P4      | P4        | P4         |
| G service feedback        | P3       | P3    | P4      | P4        | P4         |
| not given                 | P1       | P2    | P3      | P4        | P3         |

A consultation (answered at once, nothing to fix) is never suggested above P3.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.domain.vocabulary import CaseKind, Category, Priority, StatedSeverity

P1, P2, P3, P4 = Priority.P1, Priority.P2, Priority.P3, Priority.P4
_COLUMNS = (StatedSeverity.CRITICAL, StatedSeverity.MAJOR, StatedSeverity.GENERAL, StatedSeverity.NON_FAULT, None)
_ROWS: dict[Category | None, tuple[Priority, ...]] = {
    Category.A: (P1, P2, P3, P4, P3),
    Category.B: (P1, P2, P3, P4, P2),
    Category.C: (P2, P2, P3, P4, P4),
    Category.D: (P1, P2, P3, P4, P3),
    Category.E: (P2, P2, P3, P4, P3),
    Category.F: (P3, P3, P4, P4, P4),
    Category.G: (P3, P3, P4, P4, P4),
    None: (P1, P2, P3, P4, P3),
}
PRIORITY_TABLE: dict[tuple[Category | None, StatedSeverity | None], Priority] = {
    (category, severity): priority
    for category, row in _ROWS.items()
    for severity, priority in zip(_COLUMNS, row, strict=True)
}
CONSULTATION_CEILING = P3


@dataclass(frozen=True)
class PrioritySuggestion:
    priority: Priority
    reason: str


def suggest_priority(
    category: Category | None, kind: CaseKind | None, stated_severity: StatedSeverity | None
) -> PrioritySuggestion:
    priority = PRIORITY_TABLE[(category, stated_severity)]
    said = f"stated severity {stated_severity}" if stated_severity else "no stated severity"
    reason = f"category {category or 'not given'}, {said}"
    if kind is CaseKind.CONSULTATION and priority.rank < CONSULTATION_CEILING.rank:
        priority = CONSULTATION_CEILING
        reason += f"; a consultation is at most {CONSULTATION_CEILING}"
    return PrioritySuggestion(priority, reason)
