"""The compliance report as plain data: met and breached per company, region, priority, clock kind, month and
engineer. A group with nothing counted has no percentage (None), never "100 %"."""

from __future__ import annotations

from dataclasses import dataclass, field

from sla_timer.domain.vocabulary import ClockKind, Priority

# what a chart or a CSV may group the rows by
DIMENSIONS = ("priority", "clock_kind", "engineer", "company", "region", "month")


def percent(met: int, breached: int) -> float | None:
    """met / (met + breached) in %, 2 decimals; None when nothing was counted."""
    total = met + breached
    return round(100.0 * met / total, 2) if total else None


@dataclass(frozen=True)
class ReportFilter:
    company_ids: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    kinds: frozenset[ClockKind] = frozenset()
    from_month: str = ""
    to_month: str = ""
    engineer_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReportRow:
    company_id: str
    region: str
    # in force when the outcome happened
    priority: Priority
    kind: ClockKind
    month: str
    met: int
    breached: int
    # who held the case when the outcome happened; "" unassigned (the desk)
    engineer_id: str = ""

    @property
    def compliance_percent(self) -> float | None:
        return percent(self.met, self.breached)

    def key(self, dimension: str) -> str:
        """The row's value along a chart dimension (DIMENSIONS)."""
        values = {
            "priority": self.priority.value,
            "clock_kind": self.kind.value,
            "engineer": self.engineer_id or "(desk)",
            "company": self.company_id,
            "region": self.region,
            "month": self.month,
        }
        return values[dimension]


@dataclass(frozen=True)
class Report:
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(r.met for r in self.rows)

    @property
    def breached(self) -> int:
        return sum(r.breached for r in self.rows)

    @property
    def compliance_percent(self) -> float | None:
        return percent(self.met, self.breached)

    @property
    def empty(self) -> bool:
        return self.met + self.breached == 0

    def totals_by(self, dimension: str) -> list[tuple[str, int, int]]:
        """(value, met, breached) per value of one dimension, in the value's order."""
        sums: dict[str, tuple[int, int]] = {}
        for row in self.rows:
            met, breached = sums.get(row.key(dimension), (0, 0))
            sums[row.key(dimension)] = (met + row.met, breached + row.breached)
        return [(value, met, breached) for value, (met, breached) in sorted(sums.items())]
