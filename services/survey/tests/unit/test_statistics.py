"""Statistics and the engineer assessment on a fixed data set; every expected figure is worked by hand
in the comments."""

from datetime import UTC, datetime

import pytest
from survey.domain.statistics import CaseRecord, Dimension, assess_all, satisfaction, satisfaction_by


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 8, tzinfo=UTC)


RECORDS = [
    CaseRecord("c1", "A", "east", "e1", "a", at(1, 10), sent=True, answered=True, overall=5, recommend=10,
               resolved=True, reopen_count=0, sla_breached=False),
    CaseRecord("c2", "A", "east", "e1", "a", at(2, 3), sent=True, answered=True, overall=4, recommend=8,
               resolved=True, reopen_count=0, sla_breached=False),
    CaseRecord("c3", "B", "west", "e1", "b", at(2, 20), sent=True, answered=True, overall=2, recommend=3,
               resolved=False, reopen_count=1, sla_breached=True),
    CaseRecord("c4", "B", "west", "e1", "a", at(7, 1), sent=True),
    CaseRecord("c5", "A", "east", "e2", "b", at(3, 5), sent=True, answered=True, overall=3, recommend=9,
               resolved=True, sla_breached=False),
    CaseRecord("c6", "A", "east", "e2", "a", at(8, 8), sent=False, sla_breached=False),
]


def test_all_cases_together() -> None:
    figures = satisfaction("all", RECORDS)
    # sent c1-c5 = 5; answered c1,c2,c3,c5 = 4 -> 0.8
    assert (figures.sent, figures.answered, figures.response_rate) == (5, 4, 0.8)
    # ratings 5,4,2,3: two of four are 4 or 5
    assert figures.csat == 0.5
    # scores 10,8,3,9: promoters 10,9; detractor 3 -> 100 * (2 - 1) / 4
    assert figures.nps == 25.0
    assert figures.average_overall == 3.5  # 14 / 4
    assert figures.unsatisfied == 1  # c3 (rating 2 and not resolved)


def test_by_company() -> None:
    a, b = satisfaction_by(Dimension.COMPANY, RECORDS)
    # A: c1,c2,c5 sent and answered; c6 skipped. ratings 5,4,3; scores 10,8,9 (no detractor)
    assert (a.key, a.sent, a.answered, a.response_rate) == ("A", 3, 3, 1.0)
    assert a.csat == pytest.approx(2 / 3)
    assert a.nps == pytest.approx(200 / 3)
    assert a.average_overall == 4.0
    # B: c3 answered 2/3, c4 unanswered
    assert (b.key, b.sent, b.answered, b.response_rate) == ("B", 2, 1, 0.5)
    assert (b.csat, b.nps, b.unsatisfied) == (0.0, -100.0, 1)


def test_by_region_category_and_period() -> None:
    assert [(s.key, s.sent) for s in satisfaction_by(Dimension.REGION, RECORDS)] == [("east", 3), ("west", 2)]
    assert [(s.key, s.answered) for s in satisfaction_by(Dimension.CATEGORY, RECORDS)] == [("a", 2), ("b", 2)]
    h1, h2 = satisfaction_by(Dimension.HALF_YEAR, RECORDS)
    assert (h1.key, h1.sent, h1.answered) == ("2026-H1", 4, 4)
    # H2: c4 sent and unanswered, c6 never sent: nothing to rate
    assert (h2.key, h2.sent, h2.answered, h2.response_rate, h2.csat, h2.nps) == ("2026-H2", 1, 0, 0.0, None, None)
    assert [s.key for s in satisfaction_by(Dimension.MONTH, RECORDS)] == [
        "2026-01", "2026-02", "2026-03", "2026-07", "2026-08"]


def test_engineer_assessment() -> None:
    e1, e2 = assess_all(RECORDS)
    # e1: ratings 5,4,2 -> csat 2/3; SLA known for c1,c2,c3, met by c1,c2 -> 2/3;
    # reopened c3 -> 1/4; first-time fix c1,c2,c4 -> 3/4
    assert (e1.engineer_id, e1.cases) == ("e1", 4)
    assert (e1.csat, e1.sla_attainment) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert (e1.reopen_rate, e1.first_time_fix) == (0.25, 0.75)
    # 100 * (0.4 * 2/3 + 0.3 * 2/3 + 0.15 * 0.75 + 0.15 * 0.75) = 69.1666...
    assert e1.score == pytest.approx(69.1667, abs=1e-4)
    # e2: rating 3 -> csat 0; SLA met twice -> 1; no reopen; both first-time fixes
    # 100 * (0.4 * 0 + 0.3 * 1 + 0.15 * 1 + 0.15 * 1) = 60
    assert (e2.csat, e2.sla_attainment, e2.reopen_rate, e2.first_time_fix) == (0.0, 1.0, 0.0, 1.0)
    assert e2.score == pytest.approx(60.0)


def test_a_missing_figure_shares_its_weight() -> None:
    [only] = assess_all([CaseRecord("c9", "A", "east", "e3", "a", at(1, 1))])
    # no rating, no SLA: reopen 0 and first-time fix 1 carry the score: 100 * (0.15 + 0.15) / 0.3
    assert (only.csat, only.sla_attainment, only.score) == (None, None, pytest.approx(100.0))
