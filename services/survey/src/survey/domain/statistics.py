"""Satisfaction figures (CSAT, NPS, response rate) by any dimension, and the engineer assessment.

CSAT: the share of answers with overall 4 or 5. NPS: % promoters (9–10) − % detractors (0–6) among
answers that scored "recommend". Response rate: answered / sent. Figures with no data are None."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class CaseRecord:
    """One closed case as survey knows it: its snapshot, its survey, what happened after."""

    case_id: str
    company_id: str
    region: str
    engineer_id: str
    category: str
    closed_at: datetime
    sent: bool = False
    answered: bool = False
    overall: int | None = None
    recommend: int | None = None
    resolved: bool | None = None
    # times the case was reopened (by the survey or anyone else)
    reopen_count: int = 0
    # None when no SLA clock ran for it (or sla-timer said nothing)
    sla_breached: bool | None = None


class Dimension(StrEnum):
    COMPANY = "company"
    REGION = "region"
    ENGINEER = "engineer"
    CATEGORY = "category"
    MONTH = "month"
    HALF_YEAR = "half_year"
    YEAR = "year"


def half_year(at: datetime) -> str:
    return f"{at.year}-H{1 if at.month <= 6 else 2}"


KEYS: dict[Dimension, Callable[[CaseRecord], str]] = {
    Dimension.COMPANY: lambda r: r.company_id,
    Dimension.REGION: lambda r: r.region,
    Dimension.ENGINEER: lambda r: r.engineer_id,
    Dimension.CATEGORY: lambda r: r.category,
    Dimension.MONTH: lambda r: r.closed_at.strftime("%Y-%m"),
    Dimension.HALF_YEAR: lambda r: half_year(r.closed_at),
    Dimension.YEAR: lambda r: str(r.closed_at.year),
}


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass(frozen=True)
class Satisfaction:
    key: str
    sent: int
    answered: int
    response_rate: float | None
    csat: float | None
    nps: float | None
    average_overall: float | None
    unsatisfied: int


def satisfaction(key: str, records: Iterable[CaseRecord], *, threshold: int = 2) -> Satisfaction:
    rows = list(records)
    sent = sum(r.sent for r in rows)
    answers = [r for r in rows if r.answered]
    ratings = [r.overall for r in answers if r.overall is not None]
    scores = [r.recommend for r in answers if r.recommend is not None]
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    nps = None if not scores else 100 * (promoters - detractors) / len(scores)
    unsatisfied = sum((r.overall is not None and r.overall <= threshold) or r.resolved is False for r in answers)
    return Satisfaction(
        key=key, sent=sent, answered=len(answers), response_rate=_share(len(answers), sent),
        csat=_share(sum(v >= 4 for v in ratings), len(ratings)), nps=nps,
        average_overall=None if not ratings else sum(ratings) / len(ratings), unsatisfied=unsatisfied,
    )


def satisfaction_by(dimension: Dimension, records: Iterable[CaseRecord], *, threshold: int = 2) -> list[Satisfaction]:
    groups: dict[str, list[CaseRecord]] = {}
    for record in records:
        groups.setdefault(KEYS[dimension](record), []).append(record)
    return [satisfaction(key, rows, threshold=threshold) for key, rows in sorted(groups.items())]


@dataclass(frozen=True)
class AssessmentWeights:
    satisfaction: float = 0.4
    sla: float = 0.3
    reopen: float = 0.15
    first_time_fix: float = 0.15


@dataclass(frozen=True)
class EngineerAssessment:
    engineer_id: str
    cases: int
    csat: float | None
    sla_attainment: float | None
    reopen_rate: float | None
    first_time_fix: float | None
    # 0–100: the weighted figures present (a missing figure's weight is shared among the rest)
    score: float | None


def assess(engineer_id: str, records: Iterable[CaseRecord],
           weights: AssessmentWeights = AssessmentWeights()) -> EngineerAssessment:
    rows = list(records)
    ratings = [r.overall for r in rows if r.answered and r.overall is not None]
    csat = _share(sum(v >= 4 for v in ratings), len(ratings))
    timed = [r for r in rows if r.sla_breached is not None]
    sla = _share(sum(not r.sla_breached for r in timed), len(timed))
    reopen = _share(sum(r.reopen_count > 0 for r in rows), len(rows))
    # fixed the first time: never reopened, and the customer did not say "not resolved"
    ftf = _share(sum(r.reopen_count == 0 and r.resolved is not False for r in rows), len(rows))
    parts = [(weights.satisfaction, csat), (weights.sla, sla),
             (weights.reopen, None if reopen is None else 1 - reopen), (weights.first_time_fix, ftf)]
    present = [(w, v) for w, v in parts if v is not None]
    total = sum(w for w, _ in present)
    score = None if not present or total == 0 else 100 * sum(w * v for w, v in present) / total
    return EngineerAssessment(engineer_id, len(rows), csat, sla, reopen, ftf, score)


def assess_all(records: Iterable[CaseRecord],
               weights: AssessmentWeights = AssessmentWeights()) -> list[EngineerAssessment]:
    groups: dict[str, list[CaseRecord]] = {}
    for record in records:
        if record.engineer_id:
            groups.setdefault(record.engineer_id, []).append(record)
    return [assess(engineer, rows, weights) for engineer, rows in sorted(groups.items())]
