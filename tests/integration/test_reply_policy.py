"""Issue 10, per policy: what a customer's reply does is the setting of the case's SLA policy. A policy with
`customer_reply_resumes: false` is put into sla-timer; a case under it waits for the customer, the customer
replies, and it stays waiting. A case under the default policy resumes. sla-timer tells cases the policy of
each case (aftercare.sla.policy_applied.v1); cases keeps it (an internal `sla.policy_applied` entry)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.testing.waiting import eventually

from .conftest import (
    ADMIN,
    AGENT,
    LOOP,
    POLICY,
    REGION,
    Company,
    Stack,
    auth,
    bearer,
    case_number_of,
    policy_entries,
    register_company,
    report_fault,
    timeline,
)

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
QUIET = "e2e-quiet-replies"
ROW = {"priority": "P1", "clock_kind": "FIRST_RESPONSE", "target": "1800s", "calendar": "e2e-always"}


async def _put_quiet_policy(stack: Stack) -> None:
    """Through the REST admin API, with a bad window first (refused naming the field), and over gRPC likewise."""
    url = stack.sla_url(f"/v1/policies/{QUIET}")
    headers = bearer("admin-1", "admin")
    bad = await stack.http.put(url, headers=headers, json={"targets": [ROW], "reopen_window_days": 3651})
    assert bad.status_code == 400, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["policy.reopen_window_days"]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stack.sla_api.PutPolicy(sla_pb.PutPolicyRequest(policy=sla_pb.Policy(
            name=QUIET, reopen_window_days=4000, targets=[sla_pb.ClockTarget(
                priority=cases_pb.PRIORITY_P1, clock_kind=sla_pb.CLOCK_KIND_FIRST_RESPONSE, calendar="e2e-always",
                target={"seconds": 1800})])), metadata=ADMIN)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "policy.reopen_window_days" in (refused.value.details() or "")
    put = await stack.http.put(url, headers=headers, json={"targets": [ROW], "customer_reply_resumes": False})
    assert put.status_code in (200, 201), put.text
    assert (put.json()["customer_reply_resumes"], put.json()["reopen_window_days"]) == (False, 14)
    read = await stack.sla_api.GetPolicy(sla_pb.GetPolicyRequest(name=QUIET), metadata=ADMIN)
    assert read.policy.HasField("customer_reply_resumes") and not read.policy.customer_reply_resumes


async def _waiting_case(stack: Stack, company: Company, policy: str) -> tuple[str, dict[str, Any]]:
    """A P1 case of the company, worked and set waiting for the customer once cases knows its policy."""
    receipt = await report_fault(stack, company, "The gate camera shows no picture", "CAM-001")
    number = await case_number_of(stack, receipt.receipt_id)
    engineer = auth(f"eng-{company.company_id}", "engineer", regions=[REGION])
    await stack.cases_api.Assign(cases_pb.AssignRequest(case_number=number, assignee_id=f"eng-{company.company_id}",
                                                        tier=cases_pb.TIER_ENGINEER), metadata=AGENT)
    await stack.cases_api.Acknowledge(cases_pb.AcknowledgeRequest(case_number=number, message="on it"),
                                      metadata=engineer)
    said: list[dict[str, Any]] = []

    async def known() -> bool:  # a contract event late to sla-timer: the next case event corrects the policy
        entries = await timeline(stack, number)
        said[:] = [p for p in policy_entries(entries) if p["policy"] == policy]
        # the acknowledge's `sla.met` lands on its own time too: before the reply, not after it
        return bool(said) and any(e.kind == "sla.met" for e in entries)

    await eventually(known, within=30, what=f"cases told that {number} is under {policy} and met its response")
    await stack.cases_api.SetWaitingForCustomer(cases_pb.SetWaitingForCustomerRequest(
        case_number=number, reason="Please send a photo of the camera's label"), metadata=engineer)
    return number, said[-1]


async def test_a_reply_leaves_the_case_waiting_under_a_policy_that_says_so(stack: Stack) -> None:
    await _put_quiet_policy(stack)
    company = await register_company(stack, "quietreplies", sla_policy=QUIET)
    number, said = await _waiting_case(stack, company, QUIET)
    assert (said["customer_reply_resumes"], said["reopen_window_days"]) == (False, 14)
    reply = await stack.cases_api.AddNote(cases_pb.AddNoteRequest(case_number=number, text="Photo attached"),
                                          metadata=company.customer)
    assert reply.case.status == cases_pb.CASE_STATUS_WAITING_CUSTOMER
    # the customer never sees the policy entry
    seen = [e.kind for e in await timeline(stack, number, metadata=company.customer)]
    assert "sla.policy_applied" not in seen and seen[-1] == "note_added"


async def test_a_reply_resumes_the_case_under_the_default_policy(stack: Stack) -> None:
    company = await register_company(stack, "chattyreplies")
    number, said = await _waiting_case(stack, company, POLICY)
    assert (said["customer_reply_resumes"], said["reopen_window_days"]) == (True, 14)
    reply = await stack.cases_api.AddNote(cases_pb.AddNoteRequest(case_number=number, text="Photo attached"),
                                          metadata=company.customer)
    assert reply.case.status == cases_pb.CASE_STATUS_IN_PROGRESS
