"""Every method of inspection, from its descriptor, with malformed and edge values, as an agent and as a
customer: no call is answered INTERNAL or UNKNOWN; a bounded schemathesis run over its OpenAPI finds
no server error; a bad field is INVALID_ARGUMENT naming it."""

from __future__ import annotations

import grpc
import pytest
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.grpc_fuzz import fuzz_service
from aftercare_platform.testing.openapi_fuzz import run_schemathesis

from .conftest import AGENT, LOOP, SETTINGS, Stack, auth

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]


@pytest.mark.parametrize("who", [("agent-fuzz", "agent", None), ("customer-fuzz", "customer", "FUZZ-CO")])
async def test_no_grpc_method_answers_internal_or_unknown(stack: Stack, who: tuple) -> None:
    subject, role, company = who
    async with grpc.aio.insecure_channel(stack.inspection_process.target) as channel:
        total, found = await fuzz_service(channel, pb.DESCRIPTOR.services_by_name["InspectionService"],
                                          auth(subject, role, company), rounds=4)
    assert total > 100
    assert found == [], "\n".join(f"{f.method} [{f.case}]: {f.status.name} {f.details}" for f in found[:20])


async def test_bad_fields_are_named(stack: Stack) -> None:
    cases = [
        (pb.Plan(company_id="A", contract_id="C", site_id="S", region="east", title="t", preset="weekly-ish",
                 starts_on="2026-01-05"), "preset"),
        (pb.Plan(company_id="A", contract_id="C", site_id="S", region="east", title="t", rule="FREQ=NEVER",
                 starts_on="2026-01-05"), "rule"),
        (pb.Plan(company_id="A", contract_id="C", site_id="S", region="east", title="t", preset="monthly",
                 starts_on="5 Jan"), "plan.starts_on"),
        (pb.Plan(company_id="A", contract_id="C", site_id="S", region="east", title="t", preset="monthly",
                 starts_on="2026-01-05", time_zone="Mars/Olympus"), "time_zone"),
        (pb.Plan(company_id="A", contract_id="C", site_id="S", region="east", title="t", preset="monthly",
                 starts_on="2026-01-05", holiday_policy=99), "plan.holiday_policy"),
    ]
    for plan, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stack.inspection.CreatePlan(pb.CreatePlanRequest(plan=plan), metadata=AGENT)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, refused.value.details())
        assert field in (refused.value.details() or ""), (field, refused.value.details())


async def test_schemathesis_finds_no_server_error(stack: Stack) -> None:
    token = mint_token(SETTINGS, "agent-schemathesis", "agent")
    run = await run_schemathesis(f"http://127.0.0.1:{stack.inspection_process.http_port}", token, max_examples=10)
    assert run.exit_code == 0, run.output[-6000:]
