"""Every method of intake and cases, from their descriptors, with malformed and edge values, as an
agent and as a partner: no call is answered INTERNAL or UNKNOWN."""

from __future__ import annotations

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.intake.v1 import intake_pb2
from aftercare_platform.testing.grpc_fuzz import fuzz_service

from .conftest import LOOP, Stack

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


@pytest.mark.parametrize("who", [("agent-fuzz", "agent", ()), ("partner-fuzz", "partner", ("FUZZ-CO",))])
async def test_no_grpc_method_of_intake_or_cases_answers_internal_or_unknown(stack: Stack, who: tuple) -> None:
    intake = stack.intake
    subject, role, companies = who
    metadata = intake.auth(subject, role, companies=companies)
    total, found = 0, []
    for target, descriptor in ((f"127.0.0.1:{intake.settings.grpc_port}",
                                intake_pb2.DESCRIPTOR.services_by_name["IntakeService"]),
                               (stack.cases.target, cases_pb2.DESCRIPTOR.services_by_name["CaseService"])):
        async with grpc.aio.insecure_channel(target) as channel:
            calls, findings = await fuzz_service(channel, descriptor, metadata, rounds=4)
        total += calls
        found += findings
    assert total > 300
    assert found == [], "\n".join(f"{f.method} [{f.case}]: {f.status.name} {f.details}" for f in found[:20])
