"""What firing each upcoming item of a clock will write, prepared whenever the clock changes (off the hot path).

Entry i lines up with `clock.upcoming[i]`: the event (type, routing key, payload), the fired-log cycle and,
for a breach, the compliance fact. All of it is known when the deadline is set except the instant it fires,
which the firing statement on PostgreSQL stamps in (adapters/pg_firing.py): a batch of due clocks then costs
no Python per clock. The clock's document is not rewritten at firing: the statement records when each item
fired (clocks.fired_times) and readers replay that (domain.clock.replay_firings). The entries come from the
same code the Python firing path runs (fire_due, fired_events, fact_of), and a test holds the two paths to
the same result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aftercare_platform.bus.envelope import routing_key_for
from aftercare_platform.calendar import Calendar

from sla_timer.adapters.compliance import fact_of
from sla_timer.adapters.sla_events import CaseRef, fired_events
from sla_timer.domain.clock import fire_due
from sla_timer.domain.clock_model import SlaClock

# what the firing statement stamps in: the payload's occurredAt
STAMPED_PAYLOAD_FIELD = "occurredAt"

PlanEntry = dict[str, Any]


def firing_plan(clock: SlaClock, case: CaseRef, calendars: Mapping[str, Calendar]) -> list[PlanEntry]:
    """One entry per upcoming warning or breach, in due order ([] when nothing is pending)."""
    if not clock.is_open or not clock.upcoming:
        return []
    # fire everything at the last due instant: each entry is what firing it alone would write, except the time
    result = fire_due(clock, now=clock.upcoming[-1].due_at, calendars=calendars)
    events = fired_events(clock, result.fired, case)
    breach_fact = fact_of(result.clock, calendars)
    plan: list[PlanEntry] = []
    for firing, (event_type, payload) in zip(result.fired, events, strict=True):
        data = {k: v for k, v in payload.items() if k != STAMPED_PAYLOAD_FIELD}
        fact = None
        if firing.is_breach and breach_fact is not None:
            fact = {
                **breach_fact,
                "verdict_at": breach_fact["verdict_at"].isoformat(),
                "company_id": case.company_id,
                "region": case.region,
                "engineer_id": case.assignee_id,
            }
        plan.append(
            {
                "due_at": firing.due_at.isoformat(),
                "item": firing.item,
                "cycle": result.clock.cycle,
                "type": event_type,
                "routing_key": routing_key_for(event_type, case.region),
                "data": data,
                "fact": fact,
            }
        )
    return plan
