"""Nothing is lost while cases is down: intake keeps taking reports and answers each with a receipt; when
cases comes back every report becomes exactly one case, sla-timer runs clocks for each, and the receipts name
them."""

from __future__ import annotations

import asyncio

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.testing.waiting import eventually

from .conftest import (
    AGENT,
    LOOP,
    Stack,
    case_number_of,
    clock,
    instant,
    register_company,
    report_fault,
    sla_known,
)

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
REPORTS = 10


async def test_reports_taken_while_cases_is_down_all_become_cases_with_clocks_once_it_is_back(stack: Stack) -> None:
    company = await register_company(stack, "outage")
    assert await stack.cases.stop() == 0, f"cases did not stop cleanly on SIGTERM:\n{stack.cases.tail()}"
    try:
        # every report is kept and answered, though no case can be opened yet
        receipts = await asyncio.gather(*(
            report_fault(stack, company, f"Camera {n} on floor {n} lost its picture", f"VID-{n:02d}")
            for n in range(REPORTS)))
        assert len({r.receipt_id for r in receipts}) == REPORTS
        for receipt in receipts:
            assert receipt.state == intake_pb.RECEIPT_STATE_PENDING and not receipt.case_number
            assert receipt.outcome == intake_pb.RECEIPT_OUTCOME_NEW_CASE
        pending = await stack.intake_api.GetReceipt(intake_pb.GetReceiptRequest(receipt_id=receipts[0].receipt_id),
                                                    metadata=AGENT)
        assert pending.receipt.state == intake_pb.RECEIPT_STATE_PENDING
    finally:
        await stack.cases.start()

    # back up: each receipt resolves to its own case
    numbers = await asyncio.gather(*(case_number_of(stack, r.receipt_id, within=60) for r in receipts))
    assert len(set(numbers)) == REPORTS
    listed = await stack.cases_api.ListCases(cases_pb.ListCasesRequest(
        filter=cases_pb.CaseFilter(company_ids=[company.company_id]), page={"page_size": 50}), metadata=AGENT)
    assert sorted(c.case_number for c in listed.cases) == sorted(numbers)
    by_number = {c.case_number: c for c in listed.cases}
    for n, (receipt, number) in enumerate(zip(receipts, numbers, strict=True)):
        case = by_number[number]
        assert list(case.error_codes) == [f"VID-{n:02d}"]
        assert case.priority == cases_pb.PRIORITY_P1 and case.channel == cases_pb.CHANNEL_PARTNER
        # opened after the outage, not when the report came in
        assert instant(case.created_at) >= instant(receipt.received_at)

    # sla-timer heard of every one of them and runs their clocks from the case's own opening
    explained = await asyncio.gather(*(sla_known(stack, number) for number in numbers))
    for number, case_sla in zip(numbers, explained, strict=True):
        response = clock(case_sla, sla_pb.CLOCK_KIND_FIRST_RESPONSE)
        assert instant(response.started_time) == instant(by_number[number].created_at)
        assert case_sla.company_id == company.company_id

    # and each creation was announced (delivery is at least once: a repeat would carry the same number)
    def announced() -> set[str]:
        return {e.data.get("caseNumber", "") for e in stack.events.seen
                if e.type == "aftercare.case.created.v1" and e.data.get("companyId") == company.company_id}

    async def all_announced() -> bool:
        return announced() == set(numbers)

    await eventually(all_announced, within=30, what=f"case.created of all {REPORTS} cases")
