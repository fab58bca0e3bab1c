"""Each action form of the case page, as the CaseService request it becomes. Pure mapping: the
service decides whether the viewer may do it (roles and company stay there)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.dispatch.v1 import dispatch_pb2 as dispatch_pb
from aftercare_platform.errors import InvalidArgument
from google.protobuf.message import Message

from console.adapters.services import Services
from console.adapters.vocabulary import PRIORITIES


@dataclass(frozen=True)
class CaseAction:
    name: str
    # the stub method, given the services
    method: Callable[[Services], Any]
    # the request, given the form's values, the case id and the form's request id
    request: Callable[[dict[str, str], str, str], Message]
    # which role family sees the form: staff, both, or supervisor (offered on an open complaint, not by status)
    audience: str = "staff"


def _required(values: dict[str, str], field: str) -> str:
    value = values.get(field, "").strip()
    if not value:
        raise InvalidArgument.for_field(field, "is required")
    return value


def _priority(values: dict[str, str]) -> Any:
    return PRIORITIES.number(PRIORITIES.parse(values.get("priority"), "priority").value, "priority")


def _note(values: dict[str, str], case_id: str, request_id: str) -> Message:
    internal = values.get("internal") == "on"
    return pb.AddNoteRequest(case_id=case_id, text=_required(values, "text"), request_id=request_id,
                             visibility=pb.VISIBILITY_INTERNAL if internal else pb.VISIBILITY_PUBLIC)


def _resolve(values: dict[str, str], case_id: str, request_id: str) -> Message:
    report = pb.FaultReport(cause=_required(values, "cause"), method=_required(values, "method"),
                            result=_required(values, "result"), prevention=_required(values, "prevention"))
    return pb.ResolveRequest(case_id=case_id, fault_report=report)


ACTIVITY_KINDS = {"phone_call": pb.ACTIVITY_KIND_PHONE_CALL, "remote_session": pb.ACTIVITY_KIND_REMOTE_SESSION,
                  "on_site_visit": pb.ACTIVITY_KIND_ON_SITE_VISIT,
                  "diagnosis_report": pb.ACTIVITY_KIND_DIAGNOSIS_REPORT}


def _activity(values: dict[str, str], case_id: str, request_id: str) -> Message:
    """A call, a visit, a diagnosis report, or a remote session: that one with the customer's permission and
    every command sent (cases refuses it otherwise, naming the field)."""
    kind = ACTIVITY_KINDS.get(values.get("kind", "phone_call"))
    if kind is None:
        raise InvalidArgument.for_field("kind", f"one of: {', '.join(ACTIVITY_KINDS)}")
    commands = [line.strip() for line in values.get("command_log", "").splitlines() if line.strip()]
    return pb.RecordActivityRequest(case_id=case_id, request_id=request_id, activity=pb.Activity(
        kind=kind, summary=_required(values, "summary"), permission_given=values.get("permission_given") == "on",
        command_log=commands, site=values.get("site", "").strip()))


def _complaint(values: dict[str, str], case_id: str, request_id: str) -> Message:
    about = {"fix": pb.COMPLAINT_ABOUT_FIX, "engineer": pb.COMPLAINT_ABOUT_ENGINEER}.get(values.get("about", ""))
    if about is None:
        raise InvalidArgument.for_field("about", "one of: fix, engineer")
    return pb.FileComplaintRequest(case_id=case_id, about=about, text=_required(values, "text"))


def _cancel(values: dict[str, str], case_id: str, request_id: str) -> Message:
    reasons = {"withdrawn": pb.CANCEL_REASON_WITHDRAWN, "not_ours": pb.CANCEL_REASON_NOT_OURS,
               "duplicate": pb.CANCEL_REASON_DUPLICATE}
    return pb.CancelRequest(case_id=case_id, reason=reasons.get(values.get("reason", ""), pb.CANCEL_REASON_WITHDRAWN),
                            text=_required(values, "text"), duplicate_of=values.get("duplicate_of", "").strip())


def _replace_engineer(values: dict[str, str], case_id: str, request_id: str) -> Message:
    """A supervisor answers a complaint: another engineer (empty: dispatch's routing picks, the current one
    excluded); dispatch refuses anyone but a supervisor."""
    sequence = values.get("complaint_sequence", "").strip()
    if sequence and not sequence.isdigit():
        raise InvalidArgument.for_field("complaint_sequence", "a complaint number")
    return dispatch_pb.ReplaceAssigneeRequest(
        case_id=case_id, engineer_id=values.get("engineer_id", "").strip(), reason=_required(values, "reason"),
        complaint_sequence=int(sequence) if sequence else None)


ACTIONS: dict[str, CaseAction] = {action.name: action for action in (
    CaseAction("acknowledge", lambda s: s.cases.Acknowledge,
               lambda v, c, r: pb.AcknowledgeRequest(case_id=c, message=v.get("message", "").strip())),
    CaseAction("assign", lambda s: s.cases.Assign,
               lambda v, c, r: pb.AssignRequest(case_id=c, assignee_id=_required(v, "assignee_id"),
                                                reason=v.get("reason", "").strip(), request_id=r)),
    CaseAction("take_over", lambda s: s.cases.TakeOver,
               lambda v, c, r: pb.TakeOverRequest(case_id=c, reason=v.get("reason", "").strip())),
    CaseAction("escalate", lambda s: s.cases.Escalate,
               lambda v, c, r: pb.EscalateRequest(case_id=c, reason=_required(v, "reason"), request_id=r)),
    CaseAction("wait", lambda s: s.cases.SetWaitingForCustomer,
               lambda v, c, r: pb.SetWaitingForCustomerRequest(case_id=c, reason=_required(v, "reason"))),
    CaseAction("resume", lambda s: s.cases.Resume,
               lambda v, c, r: pb.ResumeRequest(case_id=c, reason=v.get("reason", "").strip())),
    CaseAction("priority", lambda s: s.cases.ChangePriority,
               lambda v, c, r: pb.ChangePriorityRequest(
                   case_id=c, priority=_priority(v),
                   reason=_required(v, "reason"))),
    CaseAction("note", lambda s: s.cases.AddNote, _note, audience="both"),
    CaseAction("activity", lambda s: s.cases.RecordActivity, _activity),
    CaseAction("complaint", lambda s: s.cases.FileComplaint, _complaint, audience="both"),
    CaseAction("resolve", lambda s: s.cases.Resolve, _resolve),
    CaseAction("cancel", lambda s: s.cases.Cancel, _cancel),
    CaseAction("confirm", lambda s: s.cases.Confirm,
               lambda v, c, r: pb.ConfirmRequest(case_id=c, comment=v.get("comment", "").strip()), audience="both"),
    CaseAction("reject", lambda s: s.cases.Reject,
               lambda v, c, r: pb.RejectRequest(case_id=c, reason=_required(v, "reason")), audience="both"),
    CaseAction("reopen", lambda s: s.cases.Reopen,
               lambda v, c, r: pb.ReopenRequest(case_id=c, reason=_required(v, "reason")), audience="both"),
    CaseAction("replace_engineer", lambda s: s.dispatch.ReplaceAssignee, _replace_engineer, audience="supervisor"),
)}

# the forms a case page offers, by the CaseAction the case's status allows (Case.allowed_actions)
OFFERED_BY: dict[int, tuple[str, ...]] = {
    pb.CASE_ACTION_ACKNOWLEDGE: ("acknowledge",),
    pb.CASE_ACTION_ASSIGN: ("assign",),
    pb.CASE_ACTION_TAKE_OVER: ("take_over",),
    pb.CASE_ACTION_ESCALATE: ("escalate",),
    pb.CASE_ACTION_SET_WAITING_FOR_CUSTOMER: ("wait",),
    pb.CASE_ACTION_RESUME: ("resume",),
    pb.CASE_ACTION_CHANGE_PRIORITY: ("priority",),
    pb.CASE_ACTION_ADD_NOTE: ("note",),
    pb.CASE_ACTION_RECORD_ACTIVITY: ("activity",),
    pb.CASE_ACTION_FILE_COMPLAINT: ("complaint",),
    pb.CASE_ACTION_RESOLVE: ("resolve",),
    pb.CASE_ACTION_CANCEL: ("cancel",),
    pb.CASE_ACTION_CONFIRM: ("confirm",),
    pb.CASE_ACTION_REJECT: ("reject",),
    pb.CASE_ACTION_REOPEN: ("reopen",),
}


def offered(allowed: list[int], customer: bool, supervisor: bool = False, open_complaints: int = 0) -> list[str]:
    names = [name for action in allowed for name in OFFERED_BY.get(action, ())]
    forms = [name for name in names if ACTIONS[name].audience == "both" or not customer]
    # complaint handling: a supervisor sees it while a complaint waits for an answer
    return forms + (["replace_engineer"] if supervisor and open_complaints else [])
