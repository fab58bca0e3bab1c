"""Which proto message is the `data` of which CloudEvent type: one registry for every service.

A type is `aftercare.<aggregate>.<verb>.v<N>`; the registry holds every type whose payload a
`proto/aftercare/*/v1/events.proto` defines (a unit test holds it to the `// aftercare....v1:`
comments there). A service whose payloads live elsewhere registers them with `register` (a new service, when its event
adapter is imported).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from aftercare.cases.v1 import events_pb2 as case_events
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare.inspection.v1 import events_pb2 as inspection_events
from aftercare.intake.v1 import events_pb2 as intake_events
from aftercare.notify.v1 import events_pb2 as notify_events
from aftercare.sla.v1 import events_pb2 as sla_events
from google.protobuf import json_format
from google.protobuf.message import Message

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.errors import InvalidArgument

M = TypeVar("M", bound=Message)
_TYPE = re.compile(r"^aftercare\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v\d+$")

CASE_EVENTS: Mapping[str, type[Message]] = {
    "created": case_events.CaseCreated,
    "assigned": case_events.CaseAssigned,
    "acknowledged": case_events.CaseAcknowledged,
    "priority_changed": case_events.CasePriorityChanged,
    "escalated": case_events.CaseEscalated,
    "vendor_escalation_confirmed": case_events.CaseVendorEscalationConfirmed,
    "waiting_for_customer": case_events.CaseWaitingForCustomer,
    "resumed": case_events.CaseResumed,
    "activity_recorded": case_events.CaseActivityRecorded,
    "diagnosis_reported": case_events.CaseDiagnosisReported,
    "note_added": case_events.CaseNoteAdded,
    "entry_corrected": case_events.CaseEntryCorrected,
    "complaint_filed": case_events.CaseComplaintFiled,
    "resolved": case_events.CaseResolved,
    "confirmed": case_events.CaseConfirmed,
    "rejected": case_events.CaseRejected,
    "closed": case_events.CaseClosed,
    "reopened": case_events.CaseReopened,
    "cancelled": case_events.CaseCancelled,
}

_REGISTERED: dict[str, type[Message]] = {
    **{f"aftercare.case.{verb}.v1": message for verb, message in CASE_EVENTS.items()},
    "aftercare.sla.warning.v1": sla_events.SlaWarning,
    "aftercare.sla.breached.v1": sla_events.SlaBreached,
    "aftercare.sla.met.v1": sla_events.SlaMet,
    "aftercare.sla.breach_withdrawn.v1": sla_events.SlaBreachWithdrawn,
    "aftercare.sla.met_withdrawn.v1": sla_events.SlaMetWithdrawn,
    "aftercare.sla.policy_applied.v1": sla_events.SlaPolicyApplied,
    "aftercare.contract.created.v1": intake_events.ContractCreated,
    "aftercare.contract.updated.v1": intake_events.ContractUpdated,
    "aftercare.contract.imported.v1": intake_events.ContractsImported,
    "aftercare.asset.created.v1": intake_events.AssetCreated,
    "aftercare.asset.updated.v1": intake_events.AssetUpdated,
    "aftercare.asset.imported.v1": intake_events.AssetsImported,
    "aftercare.intake.rejected.v1": intake_events.IntakeRejected,
    "aftercare.visit.requested.v1": dispatch_events.VisitRequested,
    "aftercare.visit.checked_in.v1": dispatch_events.VisitCheckedIn,
    "aftercare.rma.repair_started.v1": dispatch_events.RmaRepairStarted,
    "aftercare.rma.fixed.v1": dispatch_events.RmaFixed,
    "aftercare.loaner.delivered.v1": dispatch_events.LoanerDelivered,
    "aftercare.dispatch.assigned.v1": dispatch_events.DispatchAssigned,
    "aftercare.dispatch.reassigned.v1": dispatch_events.DispatchReassigned,
    "aftercare.dispatch.desk_queued.v1": dispatch_events.DispatchDeskQueued,
    "aftercare.dispatch.supervisor_alert.v1": dispatch_events.DispatchSupervisorAlert,
    "aftercare.dispatch.escalated.v1": dispatch_events.DispatchEscalated,
    "aftercare.dispatch.roles_resolved.v1": dispatch_events.DispatchRolesResolved,
    "aftercare.visit.planned.v1": dispatch_events.VisitPlanned,
    "aftercare.visit.checked_out.v1": dispatch_events.VisitCheckedOut,
    "aftercare.loaner.returned.v1": dispatch_events.LoanerReturned,
    "aftercare.loaner.due_soon.v1": dispatch_events.LoanerDueSoon,
    "aftercare.loaner.transferred.v1": dispatch_events.LoanerTransferred,
    "aftercare.stock.low.v1": dispatch_events.StockLow,
    "aftercare.inspection.scheduled.v1": inspection_events.InspectionScheduled,
    "aftercare.inspection.notice_due.v1": inspection_events.InspectionNoticeDue,
    "aftercare.inspection.completed.v1": inspection_events.InspectionCompleted,
    "aftercare.inspection.missed.v1": inspection_events.InspectionMissed,
    "aftercare.inspection.finding_raised.v1": inspection_events.FindingRaised,
    "aftercare.inspection.report_due.v1": inspection_events.ReportDue,
    "aftercare.inspection.report_overdue.v1": inspection_events.ReportOverdue,
    "aftercare.inspection.report_signed_off.v1": inspection_events.ReportSignedOff,
    "aftercare.inspection.reported.v1": inspection_events.InspectionReported,
    "aftercare.watch.requested.v1": inspection_events.WatchRequested,
    "aftercare.watch.duty_logged.v1": inspection_events.WatchDutyLogged,
    "aftercare.notification.sent.v1": notify_events.NotificationSent,
    "aftercare.notification.failed.v1": notify_events.NotificationFailed,
    "aftercare.notification.delivered.v1": notify_events.NotificationDelivered,
    "aftercare.vendor.engaged.v1": dispatch_events.VendorEngaged,
    "aftercare.vendor.responded.v1": dispatch_events.VendorResponded,
    "aftercare.dispatch.expert_added.v1": dispatch_events.DispatchExpertAdded,
}
# read-only: a service adds its own types with `register`
EVENT_MESSAGES: Mapping[str, type[Message]] = MappingProxyType(_REGISTERED)


def register(event_type: str, message: type[Message]) -> None:
    """Add a type whose payload is defined outside the events.proto files above (a new service
    registers its events when its adapters are imported); the same pair again is a no-op."""
    if not _TYPE.match(event_type):
        raise ValueError(f"event type {event_type!r} is not aftercare.<aggregate>.<verb>.v<N>")
    known = _REGISTERED.setdefault(event_type, message)
    if known is not message:
        raise ValueError(f"{event_type} already carries {known.DESCRIPTOR.full_name}")


def case_event_type(verb: str) -> str:
    """`created` -> `aftercare.case.created.v1`."""
    return f"aftercare.case.{verb}.v1"


def message_class(event_type: str) -> builtins.type[Message] | None:
    """The payload message of a type; None for a type this build does not know."""
    return EVENT_MESSAGES.get(event_type)


def parse_data(event: CloudEvent, expected: builtins.type[M] | None = None) -> M:
    """The event's `data` as its registered message (unknown fields ignored: payloads only grow);
    InvalidArgument naming `data` when the type is unknown or the data does not parse."""
    found = EVENT_MESSAGES.get(event.type)
    if found is None:
        raise InvalidArgument.for_field("type", f"{event.type} has no registered payload")
    if expected is not None and found is not expected:
        raise InvalidArgument.for_field("type", f"{event.type} carries {found.__name__}, not {expected.__name__}")
    message = found()
    try:
        json_format.ParseDict(event.data, message, ignore_unknown_fields=True)
    except json_format.ParseError as bad:
        raise InvalidArgument.for_field("data", f"not a {found.__name__}: {bad}") from None
    return message  # type: ignore[return-value]
