"""Priority suggestion from category, kind and stated severity."""

from __future__ import annotations

import itertools

import pytest
from intake.domain.priority import PRIORITY_TABLE, suggest_priority
from intake.domain.vocabulary import CaseKind, Category, Priority, StatedSeverity


@pytest.mark.parametrize(
    ("category", "severity", "expected"),
    [
        (Category.B, StatedSeverity.CRITICAL, Priority.P1),
        (Category.B, None, Priority.P2),
        (Category.A, None, Priority.P3),
        (Category.D, StatedSeverity.MAJOR, Priority.P2),
        (Category.F, StatedSeverity.CRITICAL, Priority.P3),  # a change request is never an outage
        (Category.G, None, Priority.P4),
        (None, StatedSeverity.CRITICAL, Priority.P1),
        (None, None, Priority.P3),
    ],
)
def test_table(category: Category | None, severity: StatedSeverity | None, expected: Priority) -> None:
    suggestion = suggest_priority(category, CaseKind.DEFECT, severity)
    assert suggestion.priority is expected
    assert suggestion.reason


def test_consultation_is_at_most_p3() -> None:
    suggestion = suggest_priority(Category.A, CaseKind.CONSULTATION, StatedSeverity.CRITICAL)
    assert suggestion.priority is Priority.P3
    assert "consultation" in suggestion.reason
    assert suggest_priority(Category.A, CaseKind.CONSULTATION, StatedSeverity.NON_FAULT).priority is Priority.P4


def test_every_combination_has_a_suggestion() -> None:
    severities = [*StatedSeverity, None]
    for category, severity in itertools.product([*Category, None], severities):
        assert (category, severity) in PRIORITY_TABLE
    # more severe never suggests less urgent, within a category
    for category in [*Category, None]:
        ranks = [PRIORITY_TABLE[(category, severity)].rank for severity in StatedSeverity]
        assert ranks == sorted(ranks)
