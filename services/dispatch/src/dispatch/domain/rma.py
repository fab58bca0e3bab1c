"""RMA (return merchandise authorisation) of faulty hardware, tied to its serial number and its
warranty: requested, approved, shipped to the vendor, repair started (the loaner clock starts),
repaired or replaced (the fault is fixed: the loaner clock stops), returned, installed. Each step
once, in order; skipping one is refused naming what comes next."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from aftercare_platform.errors import FailedPrecondition, InvalidArgument


class RmaStep(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    SHIPPED_TO_VENDOR = "shipped_to_vendor"
    REPAIR_STARTED = "repair_started"
    REPAIRED = "repaired"
    REPLACED = "replaced"
    RETURNED = "returned"
    INSTALLED = "installed"


# what may follow each step: the vendor repairs or replaces
NEXT: dict[RmaStep, frozenset[RmaStep]] = {
    RmaStep.REQUESTED: frozenset({RmaStep.APPROVED}),
    RmaStep.APPROVED: frozenset({RmaStep.SHIPPED_TO_VENDOR}),
    RmaStep.SHIPPED_TO_VENDOR: frozenset({RmaStep.REPAIR_STARTED}),
    RmaStep.REPAIR_STARTED: frozenset({RmaStep.REPAIRED, RmaStep.REPLACED}),
    RmaStep.REPAIRED: frozenset({RmaStep.RETURNED}),
    RmaStep.REPLACED: frozenset({RmaStep.RETURNED}),
    RmaStep.RETURNED: frozenset({RmaStep.INSTALLED}),
    RmaStep.INSTALLED: frozenset(),
}
FIXED = frozenset({RmaStep.REPAIRED, RmaStep.REPLACED})


@dataclass(frozen=True)
class Rma:
    id: str
    case_id: str
    serial_number: str
    manufacturer: str
    entitlement: str  # the case's, from intake: in_warranty, under_contract, billable, unknown
    step: RmaStep
    history: tuple[tuple[RmaStep, datetime], ...]
    repairer: str = ""

    @property
    def free_of_charge(self) -> bool:
        return self.entitlement in ("in_warranty", "under_contract")


def request_rma(*, rma_id: str, case_id: str, serial_number: str, manufacturer: str, entitlement: str,
                at: datetime) -> Rma:
    if not serial_number.strip():
        raise InvalidArgument.for_field("serial_number", "an RMA is for one device: give its serial number")
    return Rma(rma_id, case_id, serial_number.strip(), manufacturer.strip(), entitlement or "unknown",
               RmaStep.REQUESTED, ((RmaStep.REQUESTED, at),))


def advance_rma(rma: Rma, step: RmaStep, at: datetime, *, repairer: str = "") -> Rma:
    allowed = NEXT[rma.step]
    if step not in allowed:
        expected = " or ".join(sorted(s.value for s in allowed)) or "nothing (the RMA is complete)"
        raise FailedPrecondition(f"RMA {rma.id} is at {rma.step.value}: next comes {expected}, not {step.value}",
                                 rma_id=rma.id, step=rma.step.value)
    return replace(rma, step=step, history=(*rma.history, (step, at)), repairer=repairer or rma.repairer)
