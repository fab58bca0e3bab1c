"""On PostgreSQL a batch fires in one statement from each clock's prepared plan; it must write exactly what
the domain's firing computes: the clock documents, the next due instants, the fired log, the breach facts
and the events. Clocks on the default policies (business calendars in Asia/Shanghai, percentage warnings,
a priority change) are fired at several instants, planned when saved and, as rows written before plans
existed would be, planned in the firing transaction; what is read back (the document with the recorded
firings replayed onto it) is the clock the domain fired."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
import pytest
from aftercare_platform.bus.envelope import rfc3339, routing_key_for
from aftercare_platform.clock import FakeClock
from aftercare_platform.service.assemble import migrate, open_database
from sla_timer.adapters.case_repository import CaseInfo
from sla_timer.adapters.clock_codec import clock_to_dict
from sla_timer.adapters.clock_repository import load_case_clocks, save_case_clocks
from sla_timer.adapters.compliance import fact_of
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.adapters.sla_events import CaseRef, fired_events
from sla_timer.bootstrap import definition
from sla_timer.domain.clock import change_priority, fire_due, start_clock
from sla_timer.domain.clock_model import SlaClock
from sla_timer.domain.defaults import load_default_policy_set
from sla_timer.domain.vocabulary import ClockKind, Priority

from .conftest import pg_dsn

# a Friday, 16:00 in Shanghai: business-hours clocks run over the weekend
T0 = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
REGION = "east"
COMPANY = "company-plan"


def _clocks() -> dict[tuple[str, ClockKind], tuple[SlaClock, CaseInfo]]:
    defaults = load_default_policy_set()
    calendars = defaults.calendars
    built: dict[tuple[str, ClockKind], tuple[SlaClock, CaseInfo]] = {}
    shapes = [
        ("plan-001-engineer-response", Priority.P1, ClockKind.FIRST_RESPONSE, None),
        ("plan-000-fault-levels", Priority.P2, ClockKind.ON_SITE, None),
        ("plan-003-service-tiers", Priority.P2, ClockKind.FIRST_RESPONSE, None),  # 9:00-21:30 every day
        ("plan-000-resolve", Priority.P2, ClockKind.RESTORE, None),
        ("plan-000-fault-levels", Priority.P3, ClockKind.FIRST_RESPONSE, Priority.P1),  # raised after 5 min
    ]
    for n, (policy_name, priority, kind, raised_to) in enumerate(shapes):
        policy = defaults.policy(policy_name)
        case_id = str(uuid.uuid4())
        clock = start_clock(
            None, case_id=case_id, kind=kind, at=T0, priority=priority, policy=policy_name,
            target=policy.target_for(priority, kind), calendars=calendars,
        ).clock  # fmt: skip
        if raised_to is not None:
            clock = change_priority(
                clock, at=T0 + 5 * MINUTE, priority=raised_to, policy=policy_name,
                target=policy.target_for(raised_to, kind), calendars=calendars,
            ).clock  # fmt: skip
        assert clock.upcoming, f"{policy_name} {priority} {kind} has nothing to fire"
        case = CaseInfo(case_id, f"EAST-20260306-{n:06d}", REGION, COMPANY, "contract-1", clock.priority)
        built[(case_id, kind)] = (clock, case)
    return built


STRIP_ENGINEERS = """
UPDATE sla_timer.clocks SET plan = (
    SELECT jsonb_agg(CASE WHEN jsonb_typeof(e->'fact') = 'object'
                          THEN jsonb_set(e, '{fact}', (e->'fact') - 'engineer_id') ELSE e END ORDER BY n)
    FROM jsonb_array_elements(plan) WITH ORDINALITY AS x(e, n))
WHERE plan IS NOT NULL AND jsonb_array_length(plan) > 0
"""


def _expected_firing(clock: SlaClock, case: CaseInfo, now: datetime, calendars: Any) -> tuple[SlaClock, list, Any]:
    """What the domain fires at `now`: the clock after, its events, and its breach fact (or None)."""
    result = fire_due(clock, now=now, calendars=calendars)
    ref = CaseRef(case.case_number, case.region, case.company_id)
    events = fired_events(clock, result.fired, ref)
    fact = fact_of(result.clock, calendars) if any(f.is_breach for f in result.fired) else None
    return result.clock, list(zip(result.fired, events, strict=True)), fact


@pytest.mark.parametrize(
    "planned", ["when-saved", "at-firing", "before-engineers"],
    ids=["planned-when-saved", "planned-at-firing", "planned-before-facts-had-an-engineer"],
)  # fmt: skip
async def test_the_firing_statement_writes_what_the_domain_fires(
    database_url: str, amqp_url: str, planned: str
) -> None:
    settings = definition.settings(database_url=database_url, amqp_url=amqp_url)
    await migrate(definition, settings)
    clock = FakeClock(T0)
    database = open_database(definition, settings, clock)
    store = PolicyStore()
    await store.seed_defaults(database)
    calendars = load_default_policy_set().calendars
    clocks = _clocks()
    async with database.unit_of_work() as uow:
        for (_, kind), (sla_clock, case) in clocks.items():
            await save_case_clocks(uow.connection, case, {kind: sla_clock}, T0, calendars)
    connection = await asyncpg.connect(pg_dsn(database_url))
    if planned == "at-firing":
        await connection.execute("UPDATE sla_timer.clocks SET plan = NULL")
    if planned == "before-engineers":  # a plan stored by an older release: its breach facts name no engineer
        await connection.execute(STRIP_ENGINEERS)

    from sla_timer.firing import DueClockFirer

    firer = DueClockFirer(database, store, clock, lanes=1)
    try:
        expected = {key: sla_clock for key, (sla_clock, _) in clocks.items()}
        instants = sorted({item.due_at for sla_clock, _ in clocks.values() for item in sla_clock.upcoming})
        # fire at every due instant, at a moment between two of them, and once past them all
        moments = [*instants[:3], instants[3] + timedelta(seconds=1), instants[-1] + timedelta(days=1)]
        seen_events = 0
        for now in moments:
            clock.set(now)
            events: list[tuple[str, Any, Any, Any]] = []
            facts: dict[tuple[str, str], Any] = {}
            log: set[tuple[Any, ...]] = set()
            due = sum(1 for c in expected.values() if c.next_due_at is not None and c.next_due_at <= now)
            for key, sla_clock in expected.items():
                after, fired, fact = _expected_firing(sla_clock, clocks[key][1], now, calendars)
                expected[key] = after
                for firing, (event_type, payload) in fired:
                    events.append((key[0], event_type, firing.due_at, payload))
                    log.add((key[0], key[1].value, after.cycle, firing.item, firing.due_at, now))
                if fact is not None:
                    facts[(key[0], key[1].value)] = {**fact, "company_id": COMPANY, "region": REGION,
                                                     "engineer_id": ""}

            assert await firer.fire_batch(now, 100) == due
            rows = await connection.fetch("SELECT case_id, kind, next_due_at, version FROM sla_timer.clocks")
            assert len(rows) == len(expected)
            async with database.unit_of_work() as uow:
                for row in rows:
                    want = expected[(row["case_id"], ClockKind(row["kind"]))]
                    loaded = await load_case_clocks(uow.connection, row["case_id"], lock=False)
                    stored = loaded[ClockKind(row["kind"])]
                    # the whole document, version included (SlaClock's equality leaves the version out)
                    assert clock_to_dict(stored) == clock_to_dict(want)
                    assert (row["next_due_at"], row["version"]) == (want.next_due_at, want.version)

            fired_rows = await connection.fetch(
                "SELECT case_id, kind, cycle, item, due_at, fired_at FROM sla_timer.fired WHERE fired_at = $1", now
            )
            assert {tuple(r) for r in fired_rows} == log

            outbox = await connection.fetch(
                "SELECT event_id, event_type, aggregate_id, routing_key, envelope FROM sla_timer.outbox "
                "ORDER BY id OFFSET $1",
                seen_events,
            )
            seen_events += len(outbox)
            got = sorted(
                ((r["aggregate_id"], r["event_type"], orjson.loads(r["envelope"])) for r in outbox),
                key=lambda e: (e[0], e[2]["data"]["dueTime"]),
            )
            want_events = sorted(events, key=lambda e: (e[0], e[3]["dueTime"]))
            assert len(got) == len(want_events)
            for (case_id, event_type, envelope), (want_case, want_type, _, payload) in zip(
                got, want_events, strict=True
            ):
                assert (case_id, event_type) == (want_case, want_type)
                assert envelope["data"] == payload
                assert envelope["subject"] == case_id and envelope["region"] == REGION
                assert envelope["time"] == rfc3339(now) and envelope["source"] == "/services/sla-timer"
                assert envelope["specversion"] == "1.0" and uuid.UUID(envelope["id"])
            assert {r["routing_key"] for r in outbox} <= {
                routing_key_for(t, REGION) for t in ("aftercare.sla.warning.v1", "aftercare.sla.breached.v1")
            }

            for (case_id, kind), fact in facts.items():
                row = await connection.fetchrow(
                    "SELECT * FROM sla_timer.compliance_facts WHERE case_id = $1 AND kind = $2", case_id, kind
                )
                assert row is not None
                assert {k: row[k] for k in fact} == fact
        assert all(c.next_due_at is None for c in expected.values()), "the last moment is past every deadline"
        unfired = "SELECT count(*) FROM sla_timer.clocks WHERE cardinality(fired_times) <> jsonb_array_length(plan)"
        assert await connection.fetchval(unfired) == 0, "every planned item fired, once"
    finally:
        await firer.close()
        await connection.close()
        await database.close()
