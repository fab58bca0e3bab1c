"""Two replicas fire each warning once between them; a `python -m sla_timer` process killed with SIGKILL
in the middle of firing loses nothing and doubles nothing once the service is back.

The replicas run in this process (two services, two engines, one database): a process start costs
this machine 10-20 s of imports, which the SIGKILL test pays as it must."""

from __future__ import annotations

import asyncio
from collections import Counter

from .conftest import (
    SECOND,
    Bus,
    ServiceProcess,
    eventually,
    new_case,
    prepare_database,
    query,
    running_sla,
    utc_now,
)
from .seeding import seed_running_clocks

FIRINGS_PER_CLOCK = 3  # warnings at 2 s and 4 s, breach at 6 s


async def _fired(database_url: str) -> int:
    return int((await query(database_url, "SELECT count(*) AS n FROM sla_timer.fired"))[0]["n"])


async def _assert_each_fired_once(database_url: str, clocks: int, bus: Bus, *, planned: bool = False) -> None:
    """`planned`: the clocks were planned from case events (the case's policy was announced), not seeded."""
    rows = await query(database_url, "SELECT case_id, item, due_at, fired_at FROM sla_timer.fired")
    assert len(rows) == clocks * FIRINGS_PER_CLOCK
    assert Counter((r["case_id"], r["item"]) for r in rows).most_common(1)[0][1] == 1
    assert all(r["fired_at"] >= r["due_at"] for r in rows)
    emitted = {
        "aftercare.sla.warning.v1": 2 * clocks,
        "aftercare.sla.breached.v1": clocks,
        **({"aftercare.sla.policy_applied.v1": clocks} if planned else {}),  # one per case, whichever replica
    }

    async def all_published() -> bool:
        return sum(bus.emitted().values()) >= sum(emitted.values())

    await eventually(all_published, within=60, what="every SLA event published")
    await asyncio.sleep(0.5)  # an event emitted twice would show up by now
    assert dict(bus.emitted()) == emitted
    states = await query(database_url, "SELECT state::text AS state, next_due_at FROM sla_timer.clocks")
    assert all(r["next_due_at"] is None for r in states)


async def test_two_replicas_fire_each_warning_exactly_once(database_url: str, amqp_url: str, bus: Bus) -> None:
    await prepare_database(database_url, amqp_url)
    async with (
        running_sla(database_url, amqp_url, claim_batch_size=5),
        running_sla(database_url, amqp_url, claim_batch_size=5),
    ):
        cases = [new_case(100 + n) for n in range(40)]
        at = utc_now()
        for case in cases:
            await bus.publish(case.event("created", at))
        await bus.wait_for(len(cases) * FIRINGS_PER_CLOCK, within=60)
    await _assert_each_fired_once(database_url, len(cases), bus, planned=True)
    published = Counter(
        (r.event["subject"], r.event["type"], r.event["data"].get("warningIndex", 0)) for r in bus.received
    )
    assert len(published) == len(cases) * FIRINGS_PER_CLOCK and max(published.values()) == 1
    assert all(r.at >= at + 2 * SECOND for r in bus.received)


async def test_a_replica_killed_while_firing_then_restarted_fires_every_due_item_exactly_once(
    database_url: str, amqp_url: str, processes: list[ServiceProcess], bus: Bus
) -> None:
    await prepare_database(database_url, amqp_url)
    replica = ServiceProcess(database_url, amqp_url, claim_batch_size="20")
    processes.append(replica)
    await (await replica.start()).wait_ready()
    clocks = 1500
    await seed_running_clocks(database_url, clocks, utc_now() + SECOND)

    async def firing_under_way() -> bool:
        return await _fired(database_url) >= 100

    await eventually(firing_under_way, within=30, what="firing under way")
    await replica.kill()
    fired_before_restart = await _fired(database_url)
    assert 0 < fired_before_restart < clocks * FIRINGS_PER_CLOCK  # killed in the middle of firing

    async with running_sla(database_url, amqp_url):  # the service back, on the same database

        async def all_fired() -> bool:
            return await _fired(database_url) >= clocks * FIRINGS_PER_CLOCK

        await eventually(all_fired, within=60, what="every due item fired after the restart")
        await asyncio.sleep(0.5)  # anything fired twice would show up by now
        await _assert_each_fired_once(database_url, clocks, bus)
