"""Loaners: the domain <-> the contract's Loaner and its stored document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb

from dispatch.adapters.enum_maps import LOANER_STATUSES
from dispatch.adapters.proto_values import document, from_document, instant, required_instant, stamp
from dispatch.domain.loaners import Loaner


def loaner_to_proto(loaner: Loaner) -> pb.Loaner:
    return pb.Loaner(
        loaner_id=loaner.id, case_id=loaner.case_id, serial_number=loaner.serial_number,
        device_class=loaner.device_class, repair_started_time=stamp(loaner.repair_started_at),
        issued_time=stamp(loaner.issued_at), due_back_time=stamp(loaner.due_back),
        status=pb.LoanerStatus.ValueType(LOANER_STATUSES.number(loaner.status)), closed_time=stamp(loaner.closed_at),
        transfer_due_time=stamp(loaner.transfer_due_at),
    )  # fmt: skip


def loaner_document(loaner: Loaner) -> dict[str, Any]:
    doc = document(loaner_to_proto(loaner))
    if loaner.reminded_at is not None:  # not part of the contract: dispatch's own bookkeeping
        doc["reminded_at"] = loaner.reminded_at.isoformat()
    return doc


def loaner_from_document(doc: dict[str, Any]) -> Loaner:
    m = from_document(doc, pb.Loaner())
    reminded = doc.get("reminded_at")
    return Loaner(
        id=m.loaner_id, case_id=m.case_id, serial_number=m.serial_number, device_class=m.device_class,
        repair_started_at=required_instant(m.repair_started_time, "repair_started_time"),
        issued_at=required_instant(m.issued_time, "issued_time"),
        due_back=required_instant(m.due_back_time, "due_back_time"),
        status=LOANER_STATUSES.member(m.status, "status"),
        closed_at=instant(m.closed_time, "closed_time", required=False),
        reminded_at=datetime.fromisoformat(reminded) if reminded else None,
    )  # fmt: skip
