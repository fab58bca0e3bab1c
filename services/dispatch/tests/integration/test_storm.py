"""An alarm storm: 200 cases opened at once spread over the duty engineers within their capacity,
routed by two dispatch replicas at the same time."""

from __future__ import annotations

import asyncio

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.testing.waiting import eventually

from .conftest import ADMIN, AGENT, SUPERVISOR, Stack, engineer, p1_case, round_the_clock

ENGINEERS = [f"storm-{i:02d}" for i in range(10)]
CAPACITY = 25
CASES = 200


async def test_an_alarm_storm_spreads_over_the_engineers_within_capacity(stack: Stack) -> None:
    for person in ENGINEERS:
        await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=engineer(person, capacity=CAPACITY)),
                                             metadata=SUPERVISOR)
    await stack.dispatch_api.PutRoster(pb.PutRosterRequest(roster=round_the_clock("storm-duty", *ENGINEERS)),
                                       metadata=ADMIN)

    async def open_case(n: int) -> None:
        # P3: the seconds policy runs no clock for it, so only routing is at work
        request = p1_case(f"alarm-{n}", "plant-7")
        request.priority = cases_pb.PRIORITY_P3
        await stack.cases_api.CreateCase(request, metadata=AGENT)

    for batch in range(0, CASES, 20):
        await asyncio.gather(*(open_case(n) for n in range(batch, batch + 20)))

    async def all_assigned() -> bool:
        rows = await stack.query("SELECT count(*) AS n FROM dispatch.decisions WHERE purpose = 'route' "
                                 "AND state = 'done'")
        return rows[0]["n"] == CASES

    await eventually(all_assigned, within=120, what=f"dispatch assigns all {CASES} cases")
    rows = await stack.query("SELECT chosen, count(*) AS n FROM dispatch.decisions WHERE purpose = 'route' "
                             "GROUP BY chosen")
    given = {row["chosen"]: row["n"] for row in rows}
    assert set(given) == set(ENGINEERS)
    assert max(given.values()) <= CAPACITY
    # each decision saw the ones before it: the least loaded rule keeps the storm level
    assert max(given.values()) - min(given.values()) <= 1

    listed = await stack.cases_api.ListCases(cases_pb.ListCasesRequest(
        filter=cases_pb.CaseFilter(company_ids=["plant-7"])), metadata=AGENT)
    assert all(c.assignee_id in ENGINEERS for c in listed.cases)
