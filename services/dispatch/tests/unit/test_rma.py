"""RMA steps in order, the serial number required, the warranty carried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from dispatch.domain.rma import RmaStep, advance_rma, request_rma

AT = datetime(2026, 12, 3, 2, tzinfo=UTC)


def test_an_rma_walks_its_steps_in_order_and_the_vendor_may_replace() -> None:
    rma = request_rma(rma_id="r1", case_id="c1", serial_number="SN-9", manufacturer="Hikvision",
                      entitlement="in_warranty", at=AT)
    assert rma.free_of_charge
    for hours, step in enumerate((RmaStep.APPROVED, RmaStep.SHIPPED_TO_VENDOR, RmaStep.REPAIR_STARTED,
                                  RmaStep.REPLACED, RmaStep.RETURNED, RmaStep.INSTALLED), start=1):
        rma = advance_rma(rma, step, AT + timedelta(hours=hours), repairer="vendor")
    assert [s for s, _ in rma.history][-2:] == [RmaStep.RETURNED, RmaStep.INSTALLED]
    with pytest.raises(FailedPrecondition, match="complete"):
        advance_rma(rma, RmaStep.RETURNED, AT)


def test_a_skipped_step_is_refused_naming_the_next_one() -> None:
    rma = request_rma(rma_id="r1", case_id="c1", serial_number="SN-9", manufacturer="", entitlement="billable",
                      at=AT)
    assert not rma.free_of_charge
    with pytest.raises(FailedPrecondition, match="next comes approved, not shipped_to_vendor"):
        advance_rma(rma, RmaStep.SHIPPED_TO_VENDOR, AT)
    with pytest.raises(InvalidArgument):
        request_rma(rma_id="r2", case_id="c1", serial_number=" ", manufacturer="", entitlement="", at=AT)
