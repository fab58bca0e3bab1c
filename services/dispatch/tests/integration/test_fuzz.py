"""Every gRPC method of dispatch from its descriptors, with malformed and edge values, as a supervisor
and as a customer, and a bounded schemathesis run over its OpenAPI: no INTERNAL, UNKNOWN or 5xx."""

from __future__ import annotations

import grpc
import pytest
from aftercare.dispatch.v1 import dispatch_pb2
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.grpc_fuzz import fuzz_service
from aftercare_platform.testing.openapi_fuzz import run_schemathesis

from .conftest import SETTINGS, Stack, auth


@pytest.mark.parametrize("who", [("sup-fuzz", "supervisor", None), ("cust-fuzz", "customer", "fuzz-co")])
async def test_no_grpc_method_of_dispatch_answers_internal_or_unknown(stack: Stack, who: tuple) -> None:
    subject, role, company = who
    descriptor = dispatch_pb2.DESCRIPTOR.services_by_name["DispatchService"]
    async with grpc.aio.insecure_channel(stack.dispatchers[0].target) as channel:
        calls, found = await fuzz_service(channel, descriptor, auth(subject, role, company), rounds=3)
    assert calls > 200
    assert found == [], "\n".join(f"{f.method} [{f.case}]: {f.status.name} {f.details}" for f in found[:20])


async def test_schemathesis_finds_no_server_error_in_dispatch(stack: Stack) -> None:
    token = mint_token(SETTINGS, "sup-schemathesis", "supervisor")
    run = await run_schemathesis(f"http://127.0.0.1:{stack.dispatchers[0].http_port}", token, max_examples=8)
    assert run.exit_code == 0, run.output[-6000:]
