"""Who sees what, across services: another company's customer finds nothing of a case, not in cases, not in
sla-timer, not in intake (exactly as if it did not exist), while the case's own customer reads its case, its
clocks and its timeline without the staff's internal notes."""

from __future__ import annotations

import json

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.testing.waiting import eventually

from .conftest import (
    AGENT,
    LOOP,
    Stack,
    auth,
    case_number_of,
    case_sla,
    case_work,
    get_case,
    register_company,
    report_fault,
    sla_known,
    timeline,
)

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
INTERNAL_TEXT = "Customer's recorder firmware is pirated; do not mention it to them"
PUBLIC_TEXT = "An engineer will be on site at 14:00"


async def _not_found(call: object) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND, refused.value.details()


async def test_a_customer_sees_its_own_company_s_case_and_nothing_of_another_s(stack: Stack) -> None:
    mine, other = await register_company(stack, "northgate"), await register_company(stack, "southgate")
    receipt = await report_fault(stack, mine, "Barrier camera at the north gate reads no plates", "ANPR-3")
    number = receipt.case_number or await case_number_of(stack, receipt.receipt_id)
    case = await get_case(stack, number)
    await sla_known(stack, number)
    api = stack.cases_api
    await api.AddNote(cases_pb.AddNoteRequest(case_number=number, text=INTERNAL_TEXT,
                                              visibility=cases_pb.VISIBILITY_INTERNAL), metadata=AGENT)
    await api.AddNote(cases_pb.AddNoteRequest(case_number=number, text=PUBLIC_TEXT,
                                              visibility=cases_pb.VISIBILITY_PUBLIC), metadata=AGENT)
    stranger = other.customer

    # company Y's customer: by number and by id, the case does not exist for it
    await _not_found(api.GetCase(cases_pb.GetCaseRequest(case_number=number), metadata=stranger))
    await _not_found(api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=stranger))
    await _not_found(api.GetTimeline(cases_pb.GetTimelineRequest(case_number=number), metadata=stranger))
    await _not_found(api.VerifyTimeline(cases_pb.VerifyTimelineRequest(case_number=number), metadata=stranger))
    await _not_found(api.AddNote(cases_pb.AddNoteRequest(case_number=number, text="Is this ours?"),
                                 metadata=stranger))
    await _not_found(api.Confirm(cases_pb.ConfirmRequest(case_number=number, comment="close it"), metadata=stranger))
    never_issued = number[:-6] + "999999"
    with pytest.raises(grpc.aio.AioRpcError) as absent:
        await api.GetCase(cases_pb.GetCaseRequest(case_number=never_issued), metadata=stranger)
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await api.GetCase(cases_pb.GetCaseRequest(case_number=number), metadata=stranger)
    assert hidden.value.details() == absent.value.details().replace(never_issued, number)
    # listing and searching: asking for company X's cases gives nothing, never an error
    asked = await api.ListCases(cases_pb.ListCasesRequest(filter=cases_pb.CaseFilter(company_ids=[mine.company_id])),
                                metadata=stranger)
    assert list(asked.cases) == []
    everything = await api.ListCases(cases_pb.ListCasesRequest(), metadata=stranger)
    assert case.case_id not in {c.case_id for c in everything.cases}
    searched = await api.SearchCases(cases_pb.SearchCasesRequest(query="plates"), metadata=stranger)
    assert case.case_id not in {c.case_id for c in searched.cases}
    http = await stack.http.get(stack.cases_url(f"/v1/cases/{number}"), headers=other.customer_headers)
    assert http.status_code == 404
    # ... nor its clocks in sla-timer, nor its receipt in intake
    await _not_found(stack.sla_api.GetCaseSla(sla_pb.GetCaseSlaRequest(case_number=number), metadata=stranger))
    await _not_found(stack.sla_api.GetCaseSla(sla_pb.GetCaseSlaRequest(case_id=case.case_id), metadata=stranger))
    http = await stack.http.get(stack.sla_url(f"/v1/cases/{number}/sla"), headers=other.customer_headers)
    assert http.status_code == 404
    await _not_found(stack.intake_api.GetReceipt(intake_pb.GetReceiptRequest(receipt_id=receipt.receipt_id),
                                                 metadata=stranger))
    # another company's partner key is no better
    partner = auth(f"nms-{other.company_id}", "partner", company=other.company_id, regions=["east"])
    await _not_found(api.GetCase(cases_pb.GetCaseRequest(case_number=number), metadata=partner))
    await _not_found(stack.sla_api.GetCaseSla(sla_pb.GetCaseSlaRequest(case_number=number), metadata=partner))

    # company X's customer: its case, its clocks and its receipt
    own = await get_case(stack, number, metadata=mine.customer)
    assert (own.case_id, own.company_id) == (case.case_id, mine.company_id)
    listed = await api.ListCases(cases_pb.ListCasesRequest(), metadata=mine.customer)
    assert [c.case_id for c in listed.cases] == [case.case_id]
    explained = await case_sla(stack, number, metadata=mine.customer)
    assert explained.case_id == case.case_id
    http = await stack.http.get(stack.sla_url(f"/v1/cases/{number}/sla"), headers=mine.customer_headers)
    assert http.status_code == 200
    seen_receipt = await stack.intake_api.GetReceipt(intake_pb.GetReceiptRequest(receipt_id=receipt.receipt_id),
                                                     metadata=mine.customer)
    assert seen_receipt.receipt.case_number == number

    # ... and its timeline, without the internal note nor sla-timer's warnings, which staff do see
    async def warned() -> bool:
        return "sla.warning" in {e.kind for e in await timeline(stack, number)}

    await eventually(warned, within=30, what=f"the first SLA warning on the timeline of {number}")
    staff_view = await timeline(stack, number)
    customer_view = await timeline(stack, number, metadata=mine.customer)
    assert [e.kind for e in case_work(staff_view)] == ["created", "note_added", "note_added"]
    assert cases_pb.VISIBILITY_INTERNAL in {e.visibility for e in staff_view}
    assert [e.kind for e in customer_view] == ["created", "note_added"]  # neither the internal note nor the warning
    assert all(e.visibility == cases_pb.VISIBILITY_PUBLIC for e in customer_view)
    assert PUBLIC_TEXT in customer_view[-1].payload_json
    assert all(INTERNAL_TEXT not in e.payload_json for e in customer_view)
    http = await stack.http.get(stack.cases_url(f"/v1/cases/{number}/timeline"), headers=mine.customer_headers)
    assert http.status_code == 200 and INTERNAL_TEXT not in http.text and PUBLIC_TEXT in http.text
    # the customer may write on its own case: a public note
    noted = await api.AddNote(cases_pb.AddNoteRequest(case_number=number, text="Thanks, we will open the gate"),
                              metadata=mine.customer)
    assert noted.entry.visibility == cases_pb.VISIBILITY_PUBLIC
    # the note added as company Y never happened
    assert "Is this ours?" not in "".join(e.payload_json for e in await timeline(stack, number))

    # on the broker the internal note is announced as internal, without its text
    notes = [e for e in await stack.events.wait_for(case.case_id, "aftercare.case.", 4) if e.verb == "note_added"]
    assert [bool(e.data.get("internal")) for e in notes] == [True, False, False]
    assert INTERNAL_TEXT not in json.dumps(notes[0].data, ensure_ascii=False)


async def test_the_partner_that_reported_a_case_follows_its_clocks_as_it_follows_the_case(stack: Stack) -> None:
    company = await register_company(stack, "partnerview")
    receipt = await report_fault(stack, company, "Intercom of tower 2 is silent", "SIP-486")
    number = receipt.case_number or await case_number_of(stack, receipt.receipt_id)
    case = await get_case(stack, number, metadata=company.partner)
    await sla_known(stack, number)
    try:
        explained = await case_sla(stack, number, metadata=company.partner)
    except grpc.aio.AioRpcError as refused:
        raise AssertionError(f"sla-timer refused the partner: {refused.code().name} {refused.details()}") from None
    assert explained.case_id == case.case_id
