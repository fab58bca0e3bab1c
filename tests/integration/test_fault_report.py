"""A partner reports a fault through intake: the receipt resolves to a case number, cases holds the case
as reported, and sla-timer runs its first-response clock under the policy put in through its API."""

from __future__ import annotations

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.testing.waiting import eventually

from .conftest import (
    CONTRACT_POLICY,
    FIRST_RESPONSE_TARGET,
    FIRST_RESPONSE_WARNINGS,
    LOOP,
    POLICY,
    REGION,
    REPORTER,
    Stack,
    case_number_of,
    case_sla,
    clock,
    get_case,
    instant,
    register_company,
    report_fault,
    sla_known,
)

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


async def test_a_partner_report_becomes_a_case_in_cases_with_a_running_clock_in_sla_timer(stack: Stack) -> None:
    company = await register_company(stack, "harbour")
    description = "Camera at gate 3 shows no picture since 08:00; the recorder logs E-1021"
    receipt = await report_fault(stack, company, description, "E-1021")
    assert receipt.channel == intake_pb.INTAKE_CHANNEL_PARTNER
    assert receipt.outcome == intake_pb.RECEIPT_OUTCOME_NEW_CASE
    assert receipt.identification.company_id == company.company_id
    assert receipt.identification.contract_id == company.contract_id
    assert receipt.identification.suggested_priority == cases_pb.PRIORITY_P1

    # the partner follows its own receipt up
    number = await case_number_of(stack, receipt.receipt_id, metadata=company.partner)
    assert number.startswith("EA-")

    case = await get_case(stack, number)
    assert case.case_number == number
    assert case.company_id == company.company_id
    assert case.contract_id == company.contract_id
    assert case.region == REGION
    assert case.channel == cases_pb.CHANNEL_PARTNER
    assert case.status == cases_pb.CASE_STATUS_NEW
    assert case.priority == cases_pb.PRIORITY_P1
    assert (case.caller.name, case.caller.phone, case.caller.email) == (REPORTER.name, REPORTER.phone, REPORTER.email)
    assert description in case.description
    assert list(case.error_codes) == ["E-1021"]
    assert case.asset.serial_number == company.serial
    # the partner sees the case it reported, too
    assert (await get_case(stack, number, metadata=company.partner)).case_id == case.case_id

    explained = await sla_known(stack, number)
    assert (explained.case_id, explained.case_number) == (case.case_id, number)
    assert (explained.company_id, explained.region, explained.contract_id) == (company.company_id, REGION,
                                                                               company.contract_id)
    assert explained.policy == POLICY
    response = clock(explained, sla_pb.CLOCK_KIND_FIRST_RESPONSE)
    assert response.priority == cases_pb.PRIORITY_P1
    assert response.policy == POLICY and response.calendar == "e2e-always"
    assert response.target.ToTimedelta() == FIRST_RESPONSE_TARGET
    # the clock started when the case was opened, by cases' own time
    assert instant(response.started_time) == instant(case.created_at)
    assert instant(response.deadline) == instant(case.created_at) + FIRST_RESPONSE_TARGET
    assert [w.label for w in response.warnings] == ["2s", "4s"]
    assert [instant(w.due_time) - instant(case.created_at) for w in response.warnings] == list(FIRST_RESPONSE_WARNINGS)
    # running (read, as it is, well before the deadline), the first warning next
    read_after = instant(explained.as_of) - instant(case.created_at)
    assert read_after < FIRST_RESPONSE_TARGET, f"sla-timer knew of the case only {read_after} after its creation"
    assert response.status == sla_pb.CLOCK_STATUS_RUNNING
    if read_after < FIRST_RESPONSE_WARNINGS[0]:
        assert response.next_due.item == "warning:0"


async def test_the_policy_a_contract_selects_in_intake_is_the_one_sla_timer_applies(stack: Stack) -> None:
    company = await register_company(stack, "goldcare", sla_policy=CONTRACT_POLICY)
    # intake announced the contract (sla-timer's queue has it before the case's creation)
    contract_events = await stack.events.wait_for(company.contract_id, "aftercare.contract.", 1)
    assert contract_events[0].type == "aftercare.contract.created.v1"
    receipt = await report_fault(stack, company, "Recorder at the main gate reboots every hour", "E-2001")
    number = await case_number_of(stack, receipt.receipt_id)
    await sla_known(stack, number)

    async def contract_policy_applied() -> bool:
        return (await case_sla(stack, number)).policy == CONTRACT_POLICY

    await eventually(contract_policy_applied, within=5, what=f"the case under the contract's policy {CONTRACT_POLICY}")
    response = clock(await case_sla(stack, number), sla_pb.CLOCK_KIND_FIRST_RESPONSE)
    assert response.policy == CONTRACT_POLICY
    assert response.target.ToTimedelta().total_seconds() == 30 * 60
