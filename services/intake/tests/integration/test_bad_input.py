"""Bad input on every synchronous channel gets a clear error naming the field — never a 500."""

from __future__ import annotations

import grpc
import pytest
from aftercare.intake.v1 import intake_pb2 as pb

from .conftest import LOOP, Customer, Intake

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


async def grpc_error(call: object) -> grpc.aio.AioRpcError:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError("the call was accepted")


def fields(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [error["field"] for error in body.get("errors", [])]


async def test_grpc_submissions_name_the_bad_field(intake: Intake):
    customer = await intake.register(Customer.make("badgrpc"))
    partner = intake.auth("partner-x", "partner", companies=(customer.company_id,))
    cases = [
        (pb.SubmitCaseRequest(partner_request_id="r1", description="  "), "description"),
        (pb.SubmitCaseRequest(description="no id"), "partner_request_id"),
        (pb.SubmitCaseRequest(partner_request_id="r2", description="x", reporter=pb.Reporter(phone="12")),
         "reporter.phone"),
        (pb.SubmitCaseRequest(partner_request_id="r3", description="x", category=99), "category"),  # type: ignore[arg-type]
        (pb.SubmitCaseRequest(partner_request_id="r4", description="x", quoted_case_number="case 12"),
         "quoted_case_number"),
        (pb.SubmitCaseRequest(partner_request_id="r5", description="nobody to answer"), "reporter.phone"),
    ]
    for request, field in cases:
        error = await grpc_error(intake.stub.SubmitCase(request, metadata=partner))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, error.details())
        assert field in error.details(), (field, error.details())
    alarm = await grpc_error(intake.stub.ReportAlarm(pb.ReportAlarmRequest(serial_number=customer.serial),
                                                     metadata=partner))
    assert alarm.code() == grpc.StatusCode.INVALID_ARGUMENT and "alarm_code" in alarm.details()
    other = await intake.register(Customer.make("othercompany"))
    forged = await grpc_error(intake.stub.SubmitCase(pb.SubmitCaseRequest(
        partner_request_id="r6", description="for someone else", hints=pb.ReportHints(company=other.company_id)),
        metadata=partner))
    assert forged.code() == grpc.StatusCode.PERMISSION_DENIED
    coverage = await grpc_error(intake.stub.CheckCoverage(
        pb.CheckCoverageRequest(serial_number=customer.serial, date="2026-13-40"), metadata=intake.auth()))
    assert coverage.code() == grpc.StatusCode.INVALID_ARGUMENT and "date" in coverage.details()
    contract = await grpc_error(intake.stub.CreateContract(pb.CreateContractRequest(contract=pb.Contract(
        contract_id="C-bad", company_id=customer.company_id, sla_policy="default", start_on="tomorrow")),
        metadata=intake.auth()))
    assert contract.code() == grpc.StatusCode.INVALID_ARGUMENT and "contract.start_on" in contract.details()
    missing = await grpc_error(intake.stub.GetReceipt(
        pb.GetReceiptRequest(receipt_id="00000000-0000-4000-8000-000000000000"), metadata=intake.auth()))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    not_an_id = await grpc_error(intake.stub.GetReceipt(pb.GetReceiptRequest(receipt_id="nope"),
                                                        metadata=intake.auth()))
    assert not_an_id.code() == grpc.StatusCode.INVALID_ARGUMENT  # one behaviour for non-UUID ids


async def test_http_channels_answer_bad_input_with_field_named_problems(intake: Intake):
    http, agent = intake.http, intake.headers()
    form = "/v1/intake/web-form"
    assert fields(await http.post(form, content=b"{not json", headers={"content-type": "application/json"})) == [
        "body"]
    assert fields(await http.post(form, json={"description": "no way to answer"})) == ["reporter"]
    assert fields(await http.post(form, json={"description": "x", "reporter": {"email": "not-an-address"}})) == [
        "reporter.email"]
    assert fields(await http.post(form, json={"description": "x", "colour": "red"})) == ["colour"]
    huge = await http.post(form, content=b"x" * (3 * 1024 * 1024), headers={"content-type": "application/json"})
    assert huge.status_code == 413 and huge.headers["content-type"].startswith("application/problem+json")

    entry = await http.post("/v1/intake/agent-entries", headers=agent, json={
        "description": "caller on the line", "reporter": {"phone": "13800138000"}, "category": "Z"})
    assert entry.status_code == 400 and fields(entry) == ["category"]
    unauthenticated = await http.post("/v1/intake/agent-entries", json={"description": "x"})
    assert unauthenticated.status_code == 401

    for payload, field in (({"text": "hi", "id": "m1"}, "from"), ({"from": "12", "text": "hi", "id": "m2"}, "from"),
                           ({"from": "13800138000", "text": "  ", "id": "m3"}, "text"),
                           ({"from": "13800138000", "text": "hi"}, "id")):
        sms = await http.post("/v1/intake/sms", json=payload)
        assert sms.status_code == 400 and fields(sms) == [field], (payload, sms.text)

    created = await http.post("/v1/intake/registry/contracts", headers=agent, json={
        "contract_id": "C-x", "company_id": "nobody", "sla_policy": "default", "start_on": "2026-02-30"})
    assert created.status_code == 400 and fields(created) == ["contract.start_on"]
    unknown_company = await http.post("/v1/intake/registry/contracts", headers=agent, json={
        "contract_id": "C-x", "company_id": "nobody", "sla_policy": "default", "start_on": "2026-02-01"})
    assert unknown_company.status_code == 400 and fields(unknown_company) == ["contract.company_id"]

    csv = ("company_id,name,region\nBULK-1,Bulk One,east\n,No Id,east\nBULK-2,Bulk Two,not a region\n"
           "BULK-3,Bulk Three,\n")
    report = await http.post("/v1/intake/registry/companies/import", headers=agent, content=csv.encode())
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["rows_read"], body["rows_imported"], body["rows_rejected"]) == (4, 2, 2)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "company_id"), (4, "region")]
    assert (await http.get("/v1/intake/registry/companies/BULK-3", headers=agent)).json()["name"] == "Bulk Three"


async def test_the_web_form_is_rate_limited_per_client(intake: Intake):
    statuses = []
    for n in range(3):
        reply = await intake.http.post("/v1/intake/web-form", json={
            "description": f"form {n}", "reporter": {"email": f"visitor{n}@example.com"}})
        statuses.append(reply.status_code)
    for _ in range(40):  # a flood of junk counts against the same budget
        statuses.append((await intake.http.post("/v1/intake/web-form", json={})).status_code)
    assert statuses[:3] in ([201] * 3, [202] * 3), statuses
    assert 429 in statuses and set(statuses[3:]) <= {400, 429}, statuses
    limited = await intake.http.post("/v1/intake/web-form", json={"description": "again"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["type"].endswith("/rate-limited")


async def test_nul_bytes_bad_ids_and_bodies_are_refused_by_the_platform_not_a_500(intake: Intake):
    receipt_nul = await intake.http.get("/v1/intake/receipts/ab%00cd")  # no token at all
    assert receipt_nul.status_code == 400 and fields(receipt_nul) == ["path"]
    long_id = await intake.http.get("/v1/intake/receipts/" + "a" * 37)
    assert long_id.status_code == 400 and "must be a UUID" in long_id.json()["detail"]
    coverage = await intake.http.get("/v1/intake/coverage", params={"serial_number": "CAM\x00"},
                                     headers=intake.headers())
    assert coverage.status_code == 400 and fields(coverage) == ["serial_number"]
    registry = await intake.http.get("/v1/intake/registry/companies/AC%00ME", headers=intake.headers())
    assert registry.status_code == 400
    form = await intake.http.post("/v1/intake/agent-entries", data={"description": "x"}, headers=intake.headers())
    assert form.status_code == 415
    anonymous = await intake.http.post("/v1/intake/agent-entries", content=b"{" * (70 * 1024 * 1024),
                                       headers={"content-type": "application/json"})
    assert anonymous.status_code in (401, 413)
    for call, field in ((intake.stub.GetReceipt(pb.GetReceiptRequest(receipt_id="x\x00"), metadata=intake.auth()),
                         "receipt_id"),
                        (intake.stub.CheckCoverage(pb.CheckCoverageRequest(serial_number="CAM\x00"),
                                                   metadata=intake.auth()), "serial_number"),
                        (intake.stub.GetAsset(pb.GetAssetRequest(serial_number="CAM\x00"), metadata=intake.auth()),
                         "serial_number"),
                        (intake.stub.GetReceipt(pb.GetReceiptRequest(receipt_id="a" * 37), metadata=intake.auth()),
                         "receipt_id")):
        error = await grpc_error(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and field in (error.details() or ""), error.details()


async def test_a_contact_keeps_the_language_they_are_told_in_and_a_foreign_one_is_named(intake: Intake):
    customer = await intake.register(Customer.make("lang"))
    created = await intake.stub.CreateContact(pb.CreateContactRequest(contact=pb.Contact(
        contact_id=f"{customer.company_id}-K2", company_id=customer.company_id, name="Ann Lee",
        email=f"ann@{customer.company_id.lower()}.example", language="English")), metadata=intake.auth())
    assert created.contact.language == "en"  # stored in the one spelling notify and every page use
    read = await intake.stub.GetContact(pb.GetContactRequest(contact_id=f"{customer.company_id}-K2"),
                                        metadata=intake.auth())
    assert read.contact.language == "en"
    foreign = await grpc_error(intake.stub.CreateContact(pb.CreateContactRequest(contact=pb.Contact(
        contact_id=f"{customer.company_id}-K3", company_id=customer.company_id, name="Marie",
        email="marie@example.fr", language="fr")), metadata=intake.auth()))
    assert foreign.code() == grpc.StatusCode.INVALID_ARGUMENT and "contact.language" in foreign.details()
