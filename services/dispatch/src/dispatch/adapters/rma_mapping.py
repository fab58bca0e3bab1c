"""RMAs: the domain <-> the contract's Rma and its stored document."""

from __future__ import annotations

from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.errors import InvalidArgument

from dispatch.adapters.proto_values import from_document, required_instant, stamp
from dispatch.domain.rma import Rma, RmaStep


def rma_step(word: str) -> RmaStep:
    try:
        return RmaStep(word.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in RmaStep)
        raise InvalidArgument.for_field("step", f"{word!r} is not an RMA step; one of {known}") from None


def rma_to_proto(rma: Rma) -> pb.Rma:
    return pb.Rma(
        rma_id=rma.id, case_id=rma.case_id, serial_number=rma.serial_number, manufacturer=rma.manufacturer,
        entitlement=rma.entitlement, step=rma.step.value, repairer=rma.repairer, free_of_charge=rma.free_of_charge,
        history=[pb.RmaStepTime(step=step.value, at_time=stamp(at)) for step, at in rma.history],
    )  # fmt: skip


def rma_from_document(doc: dict[str, Any]) -> Rma:
    m = from_document(doc, pb.Rma())
    history = tuple((rma_step(h.step), required_instant(h.at_time, "history.at_time")) for h in m.history)
    return Rma(
        m.rma_id, m.case_id, m.serial_number, m.manufacturer, m.entitlement, rma_step(m.step), history, m.repairer
    )
