"""The case and dispatch events, and the contract events, applied to the clocks: load, decide, save, emit.

Rules for events the domain cannot place (documented in the README):
- every case and dispatch event carries a snapshot of its case, so an event about a case not seen
  before makes it known and is applied by the clock rules (a stop before its start is remembered...);
- an event that must start a clock but says no priority, for a case whose priority is not known yet,
  is parked (CasePriorityUnknown: FAILED_PRECONDITION) in `sla-timer.case-events.dlq` for replay;
- an event that names no case, or whose payload does not parse, is parked at once;
- event types no clock cares about only refresh what is known of the case."""

from __future__ import annotations

import logging
from datetime import timedelta

from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.db.unit_of_work import UnitOfWork

from sla_timer.adapters.case_repository import contract_policy, remember_case, remember_contract_policy
from sla_timer.adapters.case_snapshot import is_about_a_case, snapshot_of
from sla_timer.adapters.clock_repository import load_case_clocks, save_case_clocks
from sla_timer.adapters.compliance import Where, record_facts
from sla_timer.adapters.deadline_signal import DeadlineSignal
from sla_timer.adapters.fired_log import FiredEntry, record_fired
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.adapters.sla_events import BREACHED, CaseRef, transition_events
from sla_timer.domain.case_clocks import apply_commands
from sla_timer.domain.event_plan import HANDLED_EVENT_TYPES, event_time, plan_for_event

log = logging.getLogger(__name__)
CONTRACT_EVENTS = "aftercare.contract."


class SlaHandlers:
    def __init__(self, policies: PolicyStore, signal: DeadlineSignal, *, look_ahead: timedelta) -> None:
        self._policies = policies
        self._signal = signal
        self._look_ahead = look_ahead

    async def on_event(self, event: CloudEvent, uow: UnitOfWork) -> None:
        if event.type.startswith(CONTRACT_EVENTS):
            await self.on_contract_event(event, uow)
        elif is_about_a_case(event.type):
            await self.on_case_event(event, uow)

    async def on_case_event(self, event: CloudEvent, uow: UnitOfWork) -> None:
        session, now = uow.session, uow.clock.now()
        snapshot = snapshot_of(event)
        case = await remember_case(session, snapshot, now)
        if event.type not in HANDLED_EVENT_TYPES:
            return
        commands = plan_for_event(event.type, occurred_at=snapshot.occurred_at, priority=snapshot.priority)
        if not commands:
            return
        policy_set = await self._policies.current(session)
        policy = policy_set.policy_for_contract(await contract_policy(session, case.contract_id))
        existing = await load_case_clocks(session, case.case_id, lock=True)
        outcome = apply_commands(
            existing, commands, case_id=case.case_id, policy=policy, calendars=policy_set.calendars, now=now
        )
        changed = outcome.changed()
        await save_case_clocks(session, case, changed, now, policy_set.calendars)
        where = Where(case.company_id, case.region)
        await record_facts(session, [(where, clock) for clock in changed.values()], policy_set.calendars, now)
        ref = CaseRef(case.case_number, case.region, case.company_id)
        before = dict(existing)
        fired: list[FiredEntry] = []
        for applied in outcome.applied:
            transition = applied.transition
            if not transition.applied:
                continue
            breaches = iter(transition.fired)
            for event_type, message in transition_events(before.get(applied.kind), transition, ref, now):
                emitted = uow.emit(event_type, subject=case.case_id, data=message, region=case.region)
                if event_type == BREACHED:
                    fired.append(FiredEntry(transition.clock, next(breaches), emitted.id))
            before[applied.kind] = transition.clock
        await record_fired(session, fired)
        # every clock held, changed or not: one the firing loop skipped while we held it may be due now
        due = [c.next_due_at for c in outcome.clocks.values() if c.next_due_at is not None]
        if due and min(due) <= now + self._look_ahead:
            await self._signal.announce(uow, min(due))

    async def on_contract_event(self, event: CloudEvent, uow: UnitOfWork) -> None:
        """`aftercare.contract.*`: remember the SLA policy each contract selects.

        Intake's payloads carry one `contract` (created/updated) or a `contracts` list (imported)."""
        data = event.data
        contracts = [data.get("contract") or {}, *(data.get("contracts") or [])]
        occurred_at = event_time(
            {"time": event.time.isoformat(), "data": {"occurred_at": data.get("occurredAt") or data.get("occurred_at")}}
        )
        remembered = 0
        for contract in (c for c in contracts if isinstance(c, dict)):
            contract_id = str(contract.get("contractId") or contract.get("contract_id") or "")
            policy_name = str(contract.get("slaPolicy") or contract.get("sla_policy") or "")
            if contract_id and policy_name:
                await remember_contract_policy(uow.session, contract_id, policy_name, occurred_at, uow.clock.now())
                remembered += 1
        if not remembered:
            log.info("%s %s names no contract with an SLA policy; nothing to remember", event.type, event.id)
