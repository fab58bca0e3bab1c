"""Service answers as plain values for the templates (short forms, datetimes, no proto objects)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare.survey.v1 import survey_pb2
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from console.adapters.vocabulary import CLOCK_KINDS, CLOCK_STATUSES, ENTITLEMENTS, PRIORITIES, STATUSES, TIERS


def when(stamp: Timestamp, present: bool = True) -> datetime | None:
    return stamp.ToDatetime(tzinfo=UTC) if present and (stamp.seconds or stamp.nanos) else None


def case_view(case: cases_pb2.Case) -> dict[str, Any]:
    return {
        "id": case.case_id, "number": case.case_number, "region": case.region, "company_id": case.company_id,
        "status": STATUSES.short(case.status, "status") or "", "priority": PRIORITIES.short(case.priority, "p") or "",
        "tier": TIERS.short(case.tier, "tier") or "", "assignee_id": case.assignee_id,
        "entitlement": ENTITLEMENTS.short(case.entitlement, "entitlement") or "",
        "caller": {"name": case.caller.name, "phone": case.caller.phone, "email": case.caller.email},
        "asset": {"serial": case.asset.serial_number, "manufacturer": case.asset.manufacturer,
                  "model": case.asset.model},
        "description": case.description, "created_at": when(case.created_at),
        "fault_report": {"cause": case.fault_report.cause, "method": case.fault_report.method,
                         "result": case.fault_report.result, "prevention": case.fault_report.prevention},
        "complaints": len(case.complaints),
        "open_complaints": [{"sequence": c.sequence, "text": c.text, "engineer_id": c.engineer_id,
                             "about": "engineer" if c.about == cases_pb2.COMPLAINT_ABOUT_ENGINEER else "fix"}
                            for c in case.complaints if not c.handled_by_id],
    }


def entry_view(entry: cases_pb2.TimelineEntry) -> dict[str, Any]:
    payload = json_format.MessageToDict(entry.payload) if entry.HasField("payload") else {}
    activity = payload.get("activity")
    nested: dict[str, Any] = activity if isinstance(activity, dict) else {}
    text = (payload.get("text") or payload.get("reason") or payload.get("message") or payload.get("summary")
            or nested.get("summary") or "")
    return {"position": entry.position, "at": when(entry.occurred_at), "kind": entry.kind,
            "internal": entry.visibility == cases_pb2.VISIBILITY_INTERNAL,
            "actor": entry.actor.display_name or entry.actor.subject_id, "text": str(text)[:500]}


def sla_view(case_sla: sla_pb2.CaseSla) -> list[dict[str, Any]]:
    return [{
        # the wire spells clock kinds in capitals (FIRST_RESPONSE); the page's words are keyed in lower case
        "kind": (CLOCK_KINDS.short(clock.clock_kind, "clock_kind") or "").lower(),
        "status": (CLOCK_STATUSES.short(clock.status, "status") or "").lower(),
        "deadline": when(clock.deadline, clock.HasField("deadline")),
        "remaining": int(clock.remaining.seconds) if clock.HasField("remaining") else None,
        "why": clock.why,
    } for clock in case_sla.clocks]


Figure = Literal["response_rate", "csat", "nps", "average_overall"]
SATISFACTION_FIGURES: tuple[Figure, ...] = ("response_rate", "csat", "nps", "average_overall")


def satisfaction_view(rows: list[survey_pb2.Satisfaction]) -> list[dict[str, Any]]:
    """Survey's figures per group; a figure with nothing to count stays None (shown empty, never 0)."""
    return [{"key": row.key, "sent": row.sent, "answered": row.answered, "unsatisfied": row.unsatisfied,
             **{name: round(getattr(row, name), 1) if row.HasField(name) else None for name in SATISFACTION_FIGURES}}
            for row in rows]


def similar_view(found: list[cases_pb2.SimilarCase]) -> list[dict[str, Any]]:
    """Cases' similar resolved cases as the case page lists them: the number, the words, the fault report's fix."""
    return [{"number": s.case.case_number, "status": STATUSES.short(s.case.status, "status") or "",
             "description": s.case.description,
             "cause": s.case.fault_report.cause, "method": s.case.fault_report.method} for s in found]
