"""SlaService through real gRPC (and grpcurl with reflection) and its HTTP twin."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import sla_pb2 as pb
from aftercare.sla.v1 import sla_pb2_grpc
from google.protobuf.duration_pb2 import Duration

from .conftest import SECOND, Bus, Sla, new_case, utc_now

ADMIN = ("admin-1", "admin")
AGENT = ("agent-1", "agent")


async def test_get_case_sla_explains_every_clock_and_hides_other_companies_cases(sla: Sla, bus: Bus) -> None:
    case = new_case(20)
    at = utc_now()
    await bus.publish(case.event("created", at))
    await bus.publish(case.event("acknowledged", at + SECOND, first_response=True))
    await bus.wait_for(1, case)
    async with grpc.aio.insecure_channel(sla.grpc_target) as channel:
        stub = sla_pb2_grpc.SlaServiceStub(channel)
        reply = await stub.GetCaseSla(pb.GetCaseSlaRequest(case_number=case.case_number), metadata=sla.auth(*AGENT))
        explained = {c.clock_kind: c for c in reply.case_sla.clocks}
        assert set(explained) == {pb.CLOCK_KIND_FIRST_RESPONSE, pb.CLOCK_KIND_DIAGNOSIS_REPORT, pb.CLOCK_KIND_RESTORE}
        response = explained[pb.CLOCK_KIND_FIRST_RESPONSE]
        assert response.status == pb.CLOCK_STATUS_MET and response.policy == "seconds"
        assert response.target.ToTimedelta() == 6 * SECOND and response.business_elapsed.ToTimedelta() == SECOND
        assert response.calendar == "always" and response.priority == cases_pb2.PRIORITY_P1
        assert [w.label for w in response.warnings] == ["2s", "4s"]
        assert "Met" in response.why and "acknowledged" in response.why
        restore = explained[pb.CLOCK_KIND_RESTORE]
        assert restore.status == pb.CLOCK_STATUS_RUNNING and "promises no" in restore.why
        own = await stub.GetCaseSla(
            pb.GetCaseSlaRequest(case_id=case.case_id), metadata=sla.auth("cust-1", "customer", case.company_id)
        )
        assert own.case_sla.case_id == case.case_id
        # a partner key naming no regions: its companies in every region, as cases answers it
        partner = await stub.GetCaseSla(
            pb.GetCaseSlaRequest(case_id=case.case_id), metadata=sla.auth("nms", "partner", case.company_id)
        )
        assert partner.case_sla.case_id == case.case_id
        with pytest.raises(grpc.aio.AioRpcError) as other:
            await stub.GetCaseSla(
                pb.GetCaseSlaRequest(case_id=case.case_id), metadata=sla.auth("cust-2", "customer", "company-b")
            )
        assert other.value.code() == grpc.StatusCode.NOT_FOUND
    http = await sla.http.get(
        f"/v1/cases/{case.case_number}/sla", headers={"authorization": f"Bearer {sla.token(*AGENT)}"}
    )
    assert http.status_code == 200 and len(http.json()["clocks"]) == 3


async def test_a_policy_naming_an_unknown_calendar_is_refused_with_the_field_named(sla: Sla) -> None:
    policy = pb.Policy(
        name="gold",
        targets=[
            pb.ClockTarget(
                priority=cases_pb2.PRIORITY_P1,
                clock_kind=pb.CLOCK_KIND_ON_SITE,
                target=Duration(seconds=3600),
                calendar="always",
            ),
            pb.ClockTarget(
                priority=cases_pb2.PRIORITY_P2,
                clock_kind=pb.CLOCK_KIND_FIRST_RESPONSE,
                target=Duration(seconds=600),
                calendar="no-such-calendar",
            ),
        ],
    )
    async with grpc.aio.insecure_channel(sla.grpc_target) as channel:
        stub = sla_pb2_grpc.SlaServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.PutPolicy(pb.PutPolicyRequest(policy=policy), metadata=sla.auth(*ADMIN))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "policy.targets[1].calendar" in refused.value.details()
        assert "no-such-calendar" in refused.value.details()
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await stub.PutPolicy(pb.PutPolicyRequest(policy=policy), metadata=sla.auth(*AGENT))
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        policy.targets[1].calendar = "always"
        put = await stub.PutPolicy(pb.PutPolicyRequest(policy=policy), metadata=sla.auth(*ADMIN))
        assert put.created and len(put.policy.targets) == 2
        exported = await stub.ExportPolicySet(pb.ExportPolicySetRequest(), metadata=sla.auth(*AGENT))
        assert "gold:" in exported.yaml and "seconds:" in exported.yaml
    body = {
        "targets": [
            {
                "priority": "PRIORITY_P1",
                "clock_kind": "CLOCK_KIND_ON_SITE",
                "target": "3600s",
                "calendar": "always",
                "warnings": [{"after": "7200s"}],
            }
        ]
    }
    http = await sla.http.put("/v1/policies/late", json=body, headers={"authorization": f"Bearer {sla.token(*ADMIN)}"})
    assert http.status_code == 400
    assert http.json()["errors"][0]["field"] == "policy.targets[0].warnings[0]"


async def test_grpcurl_lists_the_service_through_reflection(sla: Sla) -> None:
    grpcurl = str(Path(sys.executable).parent / "grpcurl")
    process = await asyncio.create_subprocess_exec(
        grpcurl,
        "-plaintext",
        sla.grpc_target,
        "list",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "aftercare.sla.v1.SlaService" in out.decode().split()


async def test_bad_input_is_one_behaviour_never_a_500(sla: Sla) -> None:
    agent = {"authorization": f"Bearer {sla.token(*AGENT)}"}
    month = await sla.http.get("/v1/compliance", params={"from_month": "2026-13"}, headers=agent)
    assert month.status_code == 400 and month.json()["errors"][0]["field"] == "from_month"
    nul = await sla.http.get("/v1/compliance", params={"company_id": "a\x00b"}, headers=agent)
    assert nul.status_code == 400 and nul.json()["errors"][0]["field"] == "company_id"
    in_path = await sla.http.get("/v1/cases/a%00b/sla", headers=agent)
    assert in_path.status_code == 400
    big = await sla.http.post("/v1/policy-set", content=b"x" * (2 * 1024 * 1024),
                              headers={"content-type": "application/yaml"})
    assert big.status_code in (401, 413)  # anonymous: refused before the body is read
    async with grpc.aio.insecure_channel(sla.grpc_target) as channel:
        stub = sla_pb2_grpc.SlaServiceStub(channel)
        for request, field in ((pb.GetCaseSlaRequest(case_id="not-a-uuid"), "case_id"),
                               (pb.GetCaseSlaRequest(case_number="EA-20260101-0000\x00"), "case_number"),
                               (pb.GetComplianceReportRequest(to_month="2026-00"), "to_month")):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetCaseSla(request, metadata=sla.auth(*AGENT)) if isinstance(
                    request, pb.GetCaseSlaRequest) else await stub.GetComplianceReport(request,
                                                                                       metadata=sla.auth(*AGENT))
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, refused.value.details())
            assert field in (refused.value.details() or "")


@pytest.mark.parametrize("who", [AGENT, ADMIN, ("nms", "partner")])
async def test_no_grpc_method_answers_internal_or_unknown_to_fuzzed_input(sla: Sla, who: tuple[str, str]) -> None:
    from aftercare_platform.testing.grpc_fuzz import fuzz_service

    async with grpc.aio.insecure_channel(sla.grpc_target) as channel:
        calls, found = await fuzz_service(channel, pb.DESCRIPTOR.services_by_name["SlaService"], sla.auth(*who),
                                          rounds=6)
    assert calls > 50
    assert found == [], "\n".join(f"{f.method} [{f.case}]: {f.status.name} {f.details}" for f in found[:20])


async def test_schemathesis_finds_no_server_error(sla: Sla) -> None:
    from aftercare_platform.testing.openapi_fuzz import CHECKS, run_schemathesis

    run = await run_schemathesis(f"http://127.0.0.1:{sla.settings.http_port}", sla.token(*ADMIN), max_examples=10,
                                 checks=CHECKS)
    assert run.exit_code == 0, run.output[-6000:]
