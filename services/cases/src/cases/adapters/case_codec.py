"""A Case as the JSON document its row keeps, and back. Times are canonical UTC text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from cases.domain.case import Asset, Caller, Cancellation, Case, CaseFlags, CasePolicy, Complaint, FaultReport
from cases.domain.timeline import canonical_time
from cases.domain.vocabulary import (
    CancelReason,
    Category,
    Channel,
    ComplaintAbout,
    Entitlement,
    FaultParty,
    Kind,
    Priority,
    Status,
    Tier,
)


def case_to_document(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "region": case.region,
        "company_id": case.company_id,
        "contract_id": case.contract_id,
        "caller": vars(case.caller).copy(),
        "asset": vars(case.asset).copy(),
        "description": case.description,
        "error_codes": list(case.error_codes),
        "category": case.category.value,
        "kind": case.kind.value,
        "priority": case.priority.value,
        "customer_severity": case.customer_severity.value if case.customer_severity else None,
        "channel": case.channel.value,
        "status": case.status.value,
        "tier": case.tier.value,
        "created_at": _time(case.created_at),
        "updated_at": _time(case.updated_at),
        "entitlement": case.entitlement.value,
        "flags": vars(case.flags).copy(),
        "assignee": case.assignee,
        "rma": case.rma,
        "vendor_escalation_confirmed_by": case.vendor_escalation_confirmed_by,
        "acknowledged_at": _time(case.acknowledged_at),
        "diagnosed_at": _time(case.diagnosed_at),
        "resolved_at": _time(case.resolved_at),
        "closed_at": _time(case.closed_at),
        "cancelled_at": _time(case.cancelled_at),
        "fault_report": case.fault_report.as_payload() if case.fault_report else None,
        "complaints": [
            {
                "sequence": c.sequence,
                "about": c.about.value,
                "text": c.text,
                "filed_by": c.filed_by,
                "filed_at": _time(c.filed_at),
                "engineer": c.engineer,
                "handled_by": c.handled_by,
                "handled_at": _time(c.handled_at),
            }
            for c in case.complaints
        ],
        "open_loaners": list(case.open_loaners),
        "participants": list(case.participants),
        "remote_command_log": list(case.remote_command_log),
        "cancellation": (
            {
                "reason": case.cancellation.reason.value,
                "text": case.cancellation.text,
                "duplicate_of": case.cancellation.duplicate_of,
            }
            if case.cancellation
            else None
        ),
        "reopen_count": case.reopen_count,
        "version": case.version,
        "reported_by": case.reported_by,
        "customer_requested_response_seconds": (
            case.customer_requested_response.total_seconds() if case.customer_requested_response else None
        ),
        "follows_case": case.follows_case,
        "suggested_priority": case.suggested_priority.value if case.suggested_priority else None,
        "policy": (
            {
                "name": case.policy.name,
                "reply_resumes": case.policy.reply_resumes,
                "reopen_window_seconds": case.policy.reopen_window.total_seconds(),
            }
            if case.policy
            else None
        ),
    }


def case_from_document(doc: Mapping[str, Any]) -> Case:
    report = doc.get("fault_report")
    cancellation = doc.get("cancellation")
    severity = doc.get("customer_severity")
    return Case(
        id=doc["id"],
        number=doc["number"],
        region=doc["region"],
        company_id=doc.get("company_id"),
        contract_id=doc.get("contract_id"),
        caller=Caller(**doc["caller"]),
        asset=Asset(**doc["asset"]),
        description=doc["description"],
        error_codes=tuple(doc["error_codes"]),
        category=Category(doc["category"]),
        kind=Kind(doc["kind"]),
        priority=Priority(doc["priority"]),
        customer_severity=Priority(severity) if severity else None,
        channel=Channel(doc["channel"]),
        status=Status(doc["status"]),
        tier=Tier(doc["tier"]),
        created_at=_parse(doc["created_at"]),
        updated_at=_parse(doc["updated_at"]),
        entitlement=Entitlement(doc["entitlement"]),
        flags=CaseFlags(**doc["flags"]),
        assignee=doc.get("assignee"),
        rma=bool(doc.get("rma")),
        vendor_escalation_confirmed_by=doc.get("vendor_escalation_confirmed_by"),
        acknowledged_at=_maybe(doc.get("acknowledged_at")),
        diagnosed_at=_maybe(doc.get("diagnosed_at")),
        resolved_at=_maybe(doc.get("resolved_at")),
        closed_at=_maybe(doc.get("closed_at")),
        cancelled_at=_maybe(doc.get("cancelled_at")),
        fault_report=(
            FaultReport(
                cause=report["cause"],
                method=report["method"],
                result=report["result"],
                prevention=report["prevention"],
                command_log=tuple(report.get("command_log", ())),
                fault_party=FaultParty(report.get("fault_party", FaultParty.UNKNOWN.value)),
                outage_started_at=_maybe(report.get("outage_started_at")),
                restored_at=_maybe(report.get("restored_at")),
            )
            if report
            else None
        ),
        complaints=tuple(
            Complaint(
                sequence=c["sequence"],
                about=ComplaintAbout(c["about"]),
                text=c["text"],
                filed_by=c["filed_by"],
                filed_at=_parse(c["filed_at"]),
                engineer=c.get("engineer"),
                handled_by=c.get("handled_by"),
                handled_at=_maybe(c.get("handled_at")),
            )
            for c in doc.get("complaints", ())
        ),
        open_loaners=tuple(doc.get("open_loaners", ())),
        participants=tuple(doc.get("participants", ())),
        remote_command_log=tuple(doc.get("remote_command_log", ())),
        cancellation=(
            Cancellation(
                reason=CancelReason(cancellation["reason"]),
                text=cancellation["text"],
                duplicate_of=cancellation.get("duplicate_of"),
            )
            if cancellation
            else None
        ),
        reopen_count=int(doc.get("reopen_count", 0)),
        version=int(doc["version"]),
        reported_by=doc.get("reported_by"),
        customer_requested_response=(
            timedelta(seconds=doc["customer_requested_response_seconds"])
            if doc.get("customer_requested_response_seconds")
            else None
        ),
        follows_case=doc.get("follows_case"),
        suggested_priority=Priority(doc["suggested_priority"]) if doc.get("suggested_priority") else None,
        policy=_policy(doc.get("policy")),
    )


def _policy(doc: Mapping[str, Any] | None) -> CasePolicy | None:
    """Absent (a case stored before, or no word from sla-timer yet): the service's reply settings apply."""
    if not doc:
        return None
    return CasePolicy(
        name=doc["name"],
        reply_resumes=bool(doc["reply_resumes"]),
        reopen_window=timedelta(seconds=doc["reopen_window_seconds"]),
    )


def case_columns(case: Case) -> dict[str, Any]:
    """The row's queryable copies of the aggregate, and the aggregate itself."""
    return {
        "id": case.id,
        "number": case.number,
        "region": case.region,
        "company_id": case.company_id,
        "contract_id": case.contract_id,
        "status": case.status.value,
        "priority": case.priority.value,
        "category": case.category.value,
        "kind": case.kind.value,
        "tier": case.tier.value,
        "assignee_id": case.assignee,
        "manufacturer_key": case.asset.manufacturer.lower() if case.asset.manufacturer else None,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "version": case.version,
        "supervisor_review": case.flags.supervisor_review,
        "sla_breached": case.flags.sla_breached,
        "document": case_to_document(case),
    }


def _time(instant: datetime | None) -> str | None:
    return canonical_time(instant) if instant is not None else None


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe(text: str | None) -> datetime | None:
    return _parse(text) if text else None
