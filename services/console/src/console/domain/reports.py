"""Report arithmetic, pure: compliance totals by priority and by month, open-case ageing buckets."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

# (priority, clock, month, region, company_id, met, breached, engineer_id)
ComplianceInput = tuple[str, str, str, str, str, int, int, str]
# the charts: name -> index in ComplianceInput (engineer rows are empty for customers: sla-timer does not split them)
CHART_KEYS = {"by_priority": 0, "by_month": 2, "by_engineer": 7, "by_company": 4, "by_region": 3}
AGE_LIMITS = (timedelta(days=1), timedelta(days=3), timedelta(days=7))


def percent(met: int, breached: int) -> float | None:
    total = met + breached
    return None if total == 0 else round(met * 100.0 / total, 1)


def _totals(rows: list[ComplianceInput], key_index: int) -> list[tuple[str, int, int, float | None]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        key = str(row[key_index])
        sums[key][0] += row[5]
        sums[key][1] += row[6]
    return [(key, met, breached, percent(met, breached)) for key, (met, breached) in sorted(sums.items())]


def compliance_table(rows: list[ComplianceInput]) -> dict[str, object]:
    """The rows as sla-timer reports them (with their percentage), and the totals the charts draw."""
    return {
        "rows": [(*row[:7], percent(row[5], row[6]), row[7]) for row in rows],
        **{name: _totals(rows, index) for name, index in CHART_KEYS.items()},
    }


def ageing_buckets(created: list[datetime], now: datetime) -> list[tuple[str, int]]:
    """How many open cases are under a day, 1-3 days, 3-7 days and older (keys age_0 .. age_3)."""
    counts = [0, 0, 0, 0]
    for opened in created:
        age = now - opened
        index = next((i for i, limit in enumerate(AGE_LIMITS) if age < limit), len(AGE_LIMITS))
        counts[index] += 1
    return [(f"age_{i}", count) for i, count in enumerate(counts)]
