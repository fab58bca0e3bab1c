"""Which clock operations each case and dispatch event means (a pure mapping).

| event | clocks |
|---|---|
| case.created | start FIRST_RESPONSE, DIAGNOSIS_REPORT, RESTORE (WORKAROUND, PERMANENT_FIX, HAND_UP if promised) |
| case.activity_recorded of kind workaround | stop WORKAROUND |
| case.escalated | stop HAND_UP |
| case.acknowledged | stop FIRST_RESPONSE |
| case.waiting_for_customer / case.resumed | pause / resume every clock |
| case.diagnosis_reported | stop DIAGNOSIS_REPORT |
| case.resolved | stop RESTORE, FIRST_RESPONSE, WORKAROUND, PERMANENT_FIX; end the others |
| case.rejected (resolution rejected) | RESTORE, WORKAROUND, PERMANENT_FIX run on in their cycle; no first response |
| case.reopened | new cycle of RESTORE, FIRST_RESPONSE, WORKAROUND, PERMANENT_FIX |
| case.priority_changed | every clock under the new priority's target |
| case.closed | end every clock; case.cancelled: cancel every clock |
| visit.requested / visit.checked_in | start / stop ON_SITE |
| rma.repair_started | start LOANER; loaner.delivered or rma.fixed stop it |
| vendor.engaged / vendor.responded | start / stop VENDOR_RESPONSE (the original vendor's underpinning contract): its
deadline is the vendor's own promised time when the event carries one (domain/vendor_promise.py) |
Unknown event types map to no command.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aftercare_platform.errors import InvalidArgument
from dateutil.parser import isoparse

from sla_timer.domain.commands import ClockCommand, ClockOp
from sla_timer.domain.vocabulary import ClockKind, Priority

CASE_CREATED = "aftercare.case.created.v1"
CASE_ACKNOWLEDGED = "aftercare.case.acknowledged.v1"
CASE_WAITING_FOR_CUSTOMER = "aftercare.case.waiting_for_customer.v1"
CASE_RESUMED = "aftercare.case.resumed.v1"
CASE_DIAGNOSIS_REPORTED = "aftercare.case.diagnosis_reported.v1"
CASE_RESOLVED = "aftercare.case.resolved.v1"
CASE_REJECTED = "aftercare.case.rejected.v1"
CASE_REOPENED = "aftercare.case.reopened.v1"
CASE_PRIORITY_CHANGED = "aftercare.case.priority_changed.v1"
CASE_CLOSED = "aftercare.case.closed.v1"
CASE_CANCELLED = "aftercare.case.cancelled.v1"
CASE_ESCALATED = "aftercare.case.escalated.v1"
# an activity_recorded event whose activity is a workaround (the consumer reads the kind into this type)
CASE_WORKAROUND = "aftercare.case.activity_recorded.v1#workaround"
VISIT_REQUESTED = "aftercare.visit.requested.v1"
VISIT_CHECKED_IN = "aftercare.visit.checked_in.v1"
RMA_REPAIR_STARTED = "aftercare.rma.repair_started.v1"
LOANER_DELIVERED = "aftercare.loaner.delivered.v1"
RMA_FIXED = "aftercare.rma.fixed.v1"
VENDOR_ENGAGED = "aftercare.vendor.engaged.v1"
VENDOR_RESPONDED = "aftercare.vendor.responded.v1"

K = ClockKind
# the last three start only under a policy that promises them (case_clocks.OPT_IN_KINDS)
CASE_LEVEL_CLOCKS = (K.FIRST_RESPONSE, K.DIAGNOSIS_REPORT, K.RESTORE, K.WORKAROUND, K.PERMANENT_FIX, K.HAND_UP)
RESOLUTION_CLOCKS = (K.RESTORE, K.WORKAROUND, K.PERMANENT_FIX)

# event type -> (operation, clock kinds or None for every clock, reason)
_SIMPLE: dict[str, list[tuple[ClockOp, tuple[ClockKind, ...] | None, str]]] = {
    CASE_ACKNOWLEDGED: [(ClockOp.STOP, (K.FIRST_RESPONSE,), "acknowledged")],
    CASE_WAITING_FOR_CUSTOMER: [(ClockOp.PAUSE, None, "waiting_for_customer")],
    CASE_RESUMED: [(ClockOp.RESUME, None, "resumed")],
    CASE_DIAGNOSIS_REPORTED: [(ClockOp.STOP, (K.DIAGNOSIS_REPORT,), "diagnosis reported")],
    CASE_RESOLVED: [
        (ClockOp.STOP, (K.FIRST_RESPONSE, *RESOLUTION_CLOCKS), "resolved"),
        (ClockOp.END, (K.DIAGNOSIS_REPORT, K.ON_SITE, K.LOANER, K.HAND_UP, K.VENDOR_RESPONSE), "resolved"),
    ],
    # acknowledge is not allowed in in_progress, so a first-response cycle could never be met
    CASE_REJECTED: [(ClockOp.CONTINUE, RESOLUTION_CLOCKS, "resolution rejected")],
    CASE_REOPENED: [(ClockOp.REOPEN, (K.FIRST_RESPONSE, *RESOLUTION_CLOCKS), "reopened")],
    CASE_WORKAROUND: [(ClockOp.STOP, (K.WORKAROUND,), "workaround in place")],
    CASE_ESCALATED: [(ClockOp.STOP, (K.HAND_UP,), "handed up a tier")],
    CASE_CLOSED: [(ClockOp.END, None, "closed")],
    CASE_CANCELLED: [(ClockOp.CANCEL, None, "cancelled")],
    VISIT_REQUESTED: [(ClockOp.START, (K.ON_SITE,), "visit requested")],
    VISIT_CHECKED_IN: [(ClockOp.STOP, (K.ON_SITE,), "engineer checked in on site")],
    RMA_REPAIR_STARTED: [(ClockOp.START, (K.LOANER,), "hardware repair started")],
    LOANER_DELIVERED: [(ClockOp.STOP, (K.LOANER,), "loaner delivered")],
    RMA_FIXED: [(ClockOp.STOP, (K.LOANER,), "fault fixed")],
    VENDOR_ENGAGED: [(ClockOp.START, (K.VENDOR_RESPONSE,), "original vendor engaged")],
    VENDOR_RESPONDED: [(ClockOp.STOP, (K.VENDOR_RESPONSE,), "original vendor answered")],
}

HANDLED_EVENT_TYPES = frozenset({CASE_CREATED, CASE_PRIORITY_CHANGED, *_SIMPLE})


def _priority(value: Priority | str | None, event_type: str) -> Priority:
    try:
        return Priority(value)  # type: ignore[arg-type]
    except ValueError:
        raise InvalidArgument.for_field(
            "data.priority", f"{event_type} needs a priority P1-P4, got {value!r}"
        ) from None


def plan_for_event(
    event_type: str,
    *,
    occurred_at: datetime,
    priority: Priority | str | None = None,
    promised_by: datetime | None = None,
) -> list[ClockCommand]:
    """The clock commands an event means, all at the event's own time `occurred_at`; `promised_by` the
    original vendor's promised answer (vendor.engaged only)."""
    if occurred_at.tzinfo is None:
        raise InvalidArgument.for_field("time", "the event time needs a time zone")
    if event_type == CASE_CREATED:
        chosen = _priority(priority, event_type)
        return [ClockCommand(ClockOp.START, occurred_at, kind, chosen, "case created") for kind in CASE_LEVEL_CLOCKS]
    if event_type == CASE_PRIORITY_CHANGED:
        chosen = _priority(priority, event_type)
        return [ClockCommand(ClockOp.CHANGE_PRIORITY, occurred_at, None, chosen, f"priority changed to {chosen}")]
    known = Priority(priority) if priority in set(Priority) else None
    if promised_by is not None and promised_by.tzinfo is None:
        raise InvalidArgument.for_field("data.promised_time", "the promised time needs a time zone")
    promise = promised_by if event_type == VENDOR_ENGAGED else None
    commands = []
    for op, kinds, reason in _SIMPLE.get(event_type, []):
        for kind in kinds if kinds is not None else (None,):
            starts = op is ClockOp.START
            commands.append(ClockCommand(op, occurred_at, kind, known if starts else None, reason,
                                         promised_by=promise if starts else None))
    return commands


def event_time(envelope: Mapping[str, Any]) -> datetime:
    """The event's own time: `data.occurred_at` when present, else the CloudEvents `time`."""
    data = envelope.get("data") or {}
    raw = data.get("occurred_at") if isinstance(data, Mapping) else None
    raw = raw or envelope.get("time")
    if not raw:
        raise InvalidArgument.for_field("time", "the event carries no time")
    try:
        parsed: datetime = isoparse(str(raw))
    except ValueError:
        raise InvalidArgument.for_field("time", f"{raw!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise InvalidArgument.for_field("time", f"{raw!r} has no time zone")
    return parsed
