"""Intake's way to cases under load: creations that arrive while a call is out go together in one CreateCases
(against the real cases process), and each still gets its own answer; a cases without CreateCases gets them
one CreateCase at a time."""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from typing import Any

import grpc
import httpx
import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.intake.v1 import intake_pb2 as pb_intake
from aftercare_platform.testing.ports import free_port
from intake.adapters.cases_gateway import CasesRefused, GrpcCasesGateway
from intake.domain.case_plan import Caller, CasePlan

from .conftest import LOOP, Customer, Stack

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


def plan(company: str, **overrides: Any) -> CasePlan:
    fields: dict[str, Any] = {"caller": Caller(name="Wang Fang", phone="+86 139 0000 0000"),
                              "description": "NVR 4 lost every camera after the power cut", **overrides}
    return CasePlan(region="east", company_id=company, contract_id=None, **fields)


async def rpc_counts(stack: Stack) -> dict[str, float]:
    """How many CreateCase and CreateCases calls the cases process has answered (its /metrics)."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"http://127.0.0.1:{stack.cases.http_port}/metrics")).text
    counts = {"CreateCase": 0.0, "CreateCases": 0.0}
    for line in text.splitlines():
        found = re.match(r'rpc_server_duration_seconds_count\{.*rpc_method="(CreateCases?)".*\} (\S+)', line)
        if found:
            counts[found.group(1)] += float(found.group(2))
    return counts


@pytest_asyncio.fixture(loop_scope=LOOP)
async def gateway(stack: Stack):  # type: ignore[no-untyped-def]
    opened = GrpcCasesGateway(stack.intake.settings, target=stack.cases.target, timeout=10,
                              reconnect_max_seconds=0.5)
    yield opened
    await opened.close()


async def test_forty_creations_at_once_go_in_a_few_calls_and_each_gets_its_own_case(stack, gateway):
    company = f"gw-{uuid.uuid4().hex[:8]}"
    before = await rpc_counts(stack)
    keys = [str(uuid.uuid4()) for _ in range(40)]
    opened = await asyncio.gather(*(gateway.create_case(key, plan(company)) for key in keys))
    after = await rpc_counts(stack)

    assert all(case.created for case in opened) and len({case.case_number for case in opened}) == 40
    calls = {method: after[method] - before[method] for method in after}
    assert calls["CreateCases"] >= 1 and calls["CreateCase"] + calls["CreateCases"] < 20, calls
    stored = await stack.intake.cases_of(company)
    assert sorted(c.case_number for c in stored) == sorted(case.case_number for case in opened)
    # sent again (a retry after a lost answer): the same cases, nothing new
    again = await asyncio.gather(*(gateway.create_case(key, plan(company)) for key in keys))
    assert [c.case_id for c in again] == [c.case_id for c in opened] and not any(c.created for c in again)


async def test_a_refused_creation_fails_alone_and_the_rest_of_its_call_are_opened(stack, gateway):
    company = f"gw-{uuid.uuid4().hex[:8]}"
    plans = [plan(company) for _ in range(9)]
    plans.insert(3, plan(company, caller=Caller(name="nobody to answer")))
    outcomes = await asyncio.gather(*(gateway.create_case(str(uuid.uuid4()), p) for p in plans),
                                    return_exceptions=True)
    assert isinstance(outcomes[3], CasesRefused) and "caller.phone" in str(outcomes[3])
    opened = [o for i, o in enumerate(outcomes) if i != 3]
    assert not any(isinstance(o, BaseException) for o in opened)
    assert len(await stack.intake.cases_of(company)) == 9


class _OnlyCreateCase(cases_pb2_grpc.CaseServiceServicer):
    """A cases from before CreateCases: one creation a call."""

    def __init__(self) -> None:
        self.numbers = itertools.count(1)
        self.calls = 0

    async def CreateCase(self, request: pb.CreateCaseRequest, context: Any) -> pb.CreateCaseResponse:
        self.calls += 1
        await asyncio.sleep(0.01)
        number = next(self.numbers)
        return pb.CreateCaseResponse(case=pb.Case(case_id=request.request_id, case_number=f"EA-OLD-{number}"),
                                     created=True)


async def test_a_cases_without_create_cases_gets_each_creation_alone(stack):
    server = grpc.aio.server()
    servicer = _OnlyCreateCase()
    cases_pb2_grpc.add_CaseServiceServicer_to_server(servicer, server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    old = GrpcCasesGateway(stack.intake.settings, target=f"127.0.0.1:{port}", timeout=10, reconnect_max_seconds=0.5)
    try:
        keys = [str(uuid.uuid4()) for _ in range(12)]
        opened = await asyncio.gather(*(old.create_case(key, plan("old-cases")) for key in keys))
    finally:
        await old.close()
        await server.stop(None)
    assert [case.case_id for case in opened] == keys
    assert len({case.case_number for case in opened}) == 12 and servicer.calls == 12


async def test_long_chinese_descriptions_go_in_calls_small_enough_for_grpc(stack, gateway):
    """Two dozen descriptions of 20,000 Chinese characters (60 kB each) would make one call of 1.4 MB
    and an answer as large: they go in calls of at most 1 MiB, none refused, none sent twice."""
    company = f"gw-{uuid.uuid4().hex[:8]}"
    long = ("摄像机十二号自八点起无图像，" * 1500)[:20_000]
    before = await rpc_counts(stack)
    opened = await asyncio.gather(*(gateway.create_case(str(uuid.uuid4()), plan(company, description=long))
                                    for _ in range(24)))
    after = await rpc_counts(stack)
    calls = {method: after[method] - before[method] for method in after}
    assert len({case.case_number for case in opened}) == 24 and all(case.created for case in opened)
    assert calls["CreateCases"] >= 2 and calls["CreateCase"] <= 2, calls
    stored = await stack.intake.case(opened[-1].case_number)
    assert stored.description == long


async def creations_histogram(stack: Stack) -> tuple[float, float]:
    """intake's aftercare_intake_cases_creations_per_call: (calls, creations) so far."""
    text = (await stack.intake.http.get("/metrics")).text
    figures = {"count": 0.0, "sum": 0.0}
    for line in text.splitlines():
        found = re.match(r"aftercare_intake_cases_creations_per_call_(count|sum)(?:\{.*\})? (\S+)", line)
        if found:
            figures[found.group(1)] += float(found.group(2))
    return figures["count"], figures["sum"]


async def test_intake_says_on_metrics_how_many_creations_each_call_to_cases_carried(stack):
    intake = stack.intake
    customer = await intake.register(Customer.make("per-call"))
    partner = intake.auth("partner-itsm", "partner", companies=(customer.company_id,))
    calls_before, creations_before = await creations_histogram(stack)
    answers = await asyncio.gather(*(intake.stub.SubmitCase(pb_intake.SubmitCaseRequest(
        partner_request_id=f"PER-CALL-{n}", description=f"ticket {n}: printer {n} jams",
        hints=pb_intake.ReportHints(company=customer.company_id)), metadata=partner) for n in range(30)))
    assert all(a.receipt.case_number for a in answers)
    calls, creations = await creations_histogram(stack)
    assert creations - creations_before == 30 and 1 <= calls - calls_before <= 30
