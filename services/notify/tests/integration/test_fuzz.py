"""Notify's APIs as a fuzzer tries them: every gRPC method, from its descriptors, with malformed and edge
values (as an admin and as a customer), and a bounded schemathesis run over its OpenAPI with a valid token.
No call is answered INTERNAL or UNKNOWN, no HTTP answer is a 5xx."""

from __future__ import annotations

import grpc
from aftercare.notify.v1 import notify_pb2 as pb
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.grpc_fuzz import fuzz_service
from aftercare_platform.testing.openapi_fuzz import CHECKS, run_schemathesis

from .conftest import World


async def test_no_grpc_method_of_notify_answers_internal_or_unknown(world: World) -> None:
    async with world.notify() as notify, \
            grpc.aio.insecure_channel(f"127.0.0.1:{notify.settings.grpc_port}") as channel:
        total, found = 0, []
        for who in ({"subject": "admin-fuzz", "role": "admin"},
                    {"subject": "customer-fuzz", "role": "customer", "company": "FUZZ-CO"}):
            calls, findings = await fuzz_service(channel, pb.DESCRIPTOR.services_by_name["NotifyService"],
                                                 notify.auth(**who), rounds=6)
            total += calls
            found += findings
    assert total > 100
    assert found == [], "\n".join(f"{f.method} [{f.case}]: {f.status.name} {f.details}" for f in found[:20])


async def test_schemathesis_finds_no_server_error_in_notify(world: World) -> None:
    async with world.notify() as notify:
        token = mint_token(notify.settings, "admin-schemathesis", "admin")
        run = await run_schemathesis(f"http://127.0.0.1:{notify.settings.http_port}", token, max_examples=10,
                                     checks=CHECKS)
    assert run.exit_code == 0, run.output[-6000:]
