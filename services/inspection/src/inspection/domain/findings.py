"""Findings: every failed item, or one marked "needs work", opens a case through intake (channel
inspection). The finding is kept first and its case delivered afterwards, so it is never lost; the
case links back to the finding by its id, and the finding records the case once intake has it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from inspection.domain.checklists import ItemResult


class FindingState(StrEnum):
    PENDING = "pending"  # kept; its case not opened yet
    REPORTED = "reported"  # intake has it (a receipt)
    OPENED = "opened"  # cases opened the case
    FAILED = "failed"  # intake refused it for good (the reason is kept)


@dataclass(frozen=True)
class Finding:
    id: str
    visit_id: str
    item_id: str
    company_id: str
    contract_id: str
    site_id: str
    region: str
    summary: str
    raised_at: datetime
    state: FindingState = FindingState.PENDING
    receipt_id: str = ""
    case_id: str = ""
    case_number: str = ""
    error: str = ""


def finding_id(visit_id: str, item_id: str) -> str:
    """One finding per item of an inspection, however often the result is recorded again."""
    return f"{visit_id}/{item_id}"


def finding_for(result: ItemResult, *, visit_id: str, company_id: str, contract_id: str, site_id: str,
                region: str, at: datetime) -> Finding:
    what = "needs work" if result.outcome != "fail" else "failed"
    measured = f" (measured {result.value:g})" if result.value is not None else ""
    note = f": {result.text}" if result.text else ""
    summary = f"Inspection finding: {result.title} {what}{measured}{note}"
    return Finding(finding_id(visit_id, result.item_id), visit_id, result.item_id, company_id, contract_id,
                   site_id, region, summary[:500], at)


def reported(finding: Finding, receipt_id: str, case_id: str, case_number: str) -> Finding:
    state = FindingState.OPENED if case_id else FindingState.REPORTED
    return replace(finding, state=state, receipt_id=receipt_id, case_id=case_id or finding.case_id,
                   case_number=case_number or finding.case_number, error="")


def refused(finding: Finding, why: str) -> Finding:
    return replace(finding, state=FindingState.FAILED, error=why[:500])
