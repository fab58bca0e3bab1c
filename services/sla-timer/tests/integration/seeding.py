"""Clocks written straight into the database (as the consumer would leave them), for tests at volume."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import asyncpg
from sla_timer.adapters.clock_codec import clock_to_dict
from sla_timer.domain.clock import start_clock
from sla_timer.domain.policy_yaml import load_policy_set
from sla_timer.domain.vocabulary import ClockKind, Priority

from .conftest import SECONDS_POLICY, pg_dsn

CLOCK_COLUMNS = (
    "case_id",
    "kind",
    "status",
    "state",
    "next_due_at",
    "version",
    "case_number",
    "region",
    "company_id",
    "updated_at",
)


async def seed_running_clocks(database_url: str, count: int, started_at: datetime) -> list[str]:
    """`count` first-response clocks of the seconds policy, all started at `started_at`; their case ids."""
    policy_set = load_policy_set(SECONDS_POLICY)
    target = policy_set.policy("seconds").target_for(Priority.P1, ClockKind.FIRST_RESPONSE)
    case_ids, rows = [], []
    for n in range(count):
        case_id = str(uuid.uuid4())
        clock = start_clock(
            None,
            case_id=case_id,
            kind=ClockKind.FIRST_RESPONSE,
            at=started_at,
            priority=Priority.P1,
            policy="seconds",
            target=target,
            calendars=policy_set.calendars,
        ).clock
        case_ids.append(case_id)
        rows.append(
            (
                case_id,
                clock.kind.value,
                clock.status.value,
                json.dumps(clock_to_dict(clock)),
                clock.next_due_at,
                clock.version,
                f"EA-20261122-{n:06d}",
                "east",
                "company-a",
                started_at,
            )
        )
    connection = await asyncpg.connect(pg_dsn(database_url))
    try:
        await connection.copy_records_to_table("clocks", schema_name="sla_timer", records=rows, columns=CLOCK_COLUMNS)
    finally:
        await connection.close()
    return case_ids
