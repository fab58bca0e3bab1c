"""Dispatch's APIs as a fuzzer tries them: every gRPC method, from its descriptors, with malformed and edge
values (as a supervisor and as a customer), and a bounded schemathesis run over its OpenAPI with a valid
token. No call is answered INTERNAL or UNKNOWN, no HTTP answer is a 5xx."""

from __future__ import annotations

import grpc
import pytest
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.grpc_fuzz import fuzz_service
from aftercare_platform.testing.openapi_fuzz import CHECKS, run_schemathesis

from .conftest import SETTINGS, SUPERVISOR, Stack, auth


async def test_no_grpc_method_of_dispatch_answers_internal_or_unknown(stack: Stack) -> None:
    total, found = 0, []
    async with grpc.aio.insecure_channel(stack.dispatchers[0].target) as channel:
        for who in (SUPERVISOR, auth("customer-fuzz", "customer", company="FUZZ-CO")):
            calls, findings = await fuzz_service(channel, pb.DESCRIPTOR.services_by_name["DispatchService"], who,
                                                 rounds=5)
            total += calls
            found += findings
    assert total > 300
    assert found == [], "\n".join(f"{f.method} [{f.case}]: {f.status.name} {f.details}" for f in found[:20])


@pytest.mark.timeout(900)  # every REST operation of dispatch, on a loaded machine
async def test_schemathesis_finds_no_server_error_in_dispatch(stack: Stack) -> None:
    token = mint_token(SETTINGS, "sup-schemathesis", "supervisor")
    run = await run_schemathesis(f"http://127.0.0.1:{stack.dispatchers[0].http_port}", token, max_examples=10,
                                 checks=CHECKS)
    assert run.exit_code == 0, run.output[-6000:]
