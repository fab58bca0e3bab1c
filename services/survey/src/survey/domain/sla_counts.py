"""What sla-timer's verdicts add to a case's SLA counters (the engineer assessment reads them). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SlaCount:
    """One verdict's change to its case's counters: a breach (+1), a withdrawn breach (−1), a clock met (+1)."""

    case_id: str
    breaches: int = 0
    met: int = 0


def tally(counts: Iterable[SlaCount]) -> list[SlaCount]:
    """The changes summed per case, in the order the cases first appear (one write per case, not per verdict)."""
    totals: dict[str, SlaCount] = {}
    for count in counts:
        was = totals.get(count.case_id, SlaCount(count.case_id))
        totals[count.case_id] = SlaCount(count.case_id, was.breaches + count.breaches, was.met + count.met)
    return list(totals.values())
