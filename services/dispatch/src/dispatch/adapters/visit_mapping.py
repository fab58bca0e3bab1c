"""Field visits: the domain <-> the contract's Visit and its stored document."""

from __future__ import annotations

from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb

from dispatch.adapters.enum_maps import VISIT_STATUSES
from dispatch.adapters.proto_values import from_document, instant, required_instant, stamp
from dispatch.domain.visits import Approval, Visit, WorkEntry


def visit_to_proto(v: Visit) -> pb.Visit:
    return pb.Visit(
        visit_id=v.id, case_id=v.case_id, site=v.site, reason=v.reason,
        status=pb.VisitStatus.ValueType(VISIT_STATUSES.number(v.status)), engineer_id=v.engineer_id,
        requested_time=stamp(v.requested_at), planned_time=stamp(v.planned_for),
        parts=list(v.parts), en_route_time=stamp(v.en_route_at), checked_in_time=stamp(v.checked_in_at),
        check_in_received_time=stamp(v.check_in_received_at), checked_out_time=stamp(v.checked_out_at),
        report=v.report, parts_used=list(v.parts_used), customer_company_id=v.customer_company_id,
        device_serial=v.device_serial, device_history=list(v.device_history),
        work_log=[pb.VisitWork(at_time=stamp(w.at), text=w.text, action=w.action) for w in v.work_log],
        approvals=[pb.CustomerApproval(action=a.action, signed_by=a.signed_by, at_time=stamp(a.at))
                   for a in v.approvals],
    )  # fmt: skip


def visit_from_document(doc: dict[str, Any]) -> Visit:
    m = from_document(doc, pb.Visit())
    return Visit(
        id=m.visit_id, case_id=m.case_id, site=m.site, reason=m.reason,
        requested_at=required_instant(m.requested_time, "requested_time"),
        status=VISIT_STATUSES.member(m.status, "status"),
        engineer_id=m.engineer_id, planned_for=instant(m.planned_time, "planned_time", required=False),
        parts=tuple(m.parts), en_route_at=instant(m.en_route_time, "en_route_time", required=False),
        checked_in_at=instant(m.checked_in_time, "checked_in_time", required=False),
        check_in_received_at=instant(m.check_in_received_time, "check_in_received_time", required=False),
        checked_out_at=instant(m.checked_out_time, "checked_out_time", required=False), report=m.report,
        parts_used=tuple(m.parts_used), customer_company_id=m.customer_company_id, device_serial=m.device_serial,
        device_history=tuple(m.device_history),
        work_log=tuple(WorkEntry(required_instant(w.at_time, "work_log.at_time"), w.text, w.action)
                       for w in m.work_log),
        approvals=tuple(Approval(a.action, a.signed_by, required_instant(a.at_time, "approvals.at_time"))
                        for a in m.approvals),
    )  # fmt: skip
