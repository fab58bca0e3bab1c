"""Survey's APIs as a fuzzer tries them: every gRPC method, from its descriptors, with malformed and edge
values (as an admin and as a customer), and a bounded schemathesis run over its OpenAPI with a valid token.
No call is answered INTERNAL or UNKNOWN, no HTTP answer is a 5xx."""

from __future__ import annotations

import grpc
import pytest
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.grpc_fuzz import fuzz_service
from aftercare_platform.testing.openapi_fuzz import CHECKS, run_schemathesis

from .conftest import LOOP, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]


@pytest.mark.parametrize("who", [("admin-fuzz", "admin", None), ("customer-fuzz", "customer", "FUZZ-CO")])
async def test_no_grpc_method_of_survey_answers_internal_or_unknown(stack: Stack, who: tuple) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.settings.grpc_port}") as channel:
        calls, found = await fuzz_service(channel, pb.DESCRIPTOR.services_by_name["SurveyService"],
                                          stack.auth(*who), rounds=6)
    assert calls > 50
    assert found == [], "\n".join(f"{f.method} [{f.case}]: {f.status.name} {f.details}" for f in found[:20])


async def test_schemathesis_finds_no_server_error_in_survey(stack: Stack) -> None:
    token = mint_token(stack.settings, "admin-schemathesis", "admin")
    run = await run_schemathesis(stack.base_url, token, max_examples=10, checks=CHECKS)
    assert run.exit_code == 0, run.output[-6000:]
