"""The case and dispatch events, and the contract events, applied to the clocks: load, decide, save, emit.

Rules for events the domain cannot place (documented in the README):
- every case and dispatch event carries a snapshot of its case, so an event about a case not seen
  before makes it known and is applied by the clock rules (a stop before its start is remembered...);
- an event that must start a clock but says no priority, for a case whose priority is not known yet,
  is parked (CasePriorityUnknown: FAILED_PRECONDITION) in `sla-timer.case-events.dlq` for replay;
- an event that names no case, or whose payload does not parse, is parked at once;
- event types no clock cares about only refresh what is known of the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aftercare_platform.contracts.case_snapshot import CaseSnapshot
from aftercare_platform.db.unit_of_work import UnitOfWork

from sla_timer.adapters.case_repository import (
    CaseInfo,
    contract_policy,
    remember_applied_policy,
    remember_case,
    remember_contract_policy,
)
from sla_timer.adapters.clock_repository import load_case_clocks, save_case_clocks, stale_plans
from sla_timer.adapters.compliance import Where, record_facts
from sla_timer.adapters.deadline_signal import DeadlineSignal
from sla_timer.adapters.fired_log import FiredEntry, record_fired
from sla_timer.adapters.policy_events import POLICY_APPLIED, policy_applied_message
from sla_timer.adapters.policy_store import PolicyStore
from sla_timer.adapters.sla_events import BREACHED, CaseRef, transition_events
from sla_timer.domain.applied_policy import to_announce
from sla_timer.domain.case_clocks import apply_commands
from sla_timer.domain.customer_terms import CustomerTerms
from sla_timer.domain.event_plan import HANDLED_EVENT_TYPES, plan_for_event
from sla_timer.domain.policy import Policy
from sla_timer.domain.vocabulary import Priority

# case events say who holds the case; dispatch events (visit, rma, loaner) do not
CASE_EVENTS = "aftercare.case."


@dataclass(frozen=True)
class ContractPolicy:
    """A contract event's word on which SLA policy a contract selects, from when."""

    contract_id: str
    policy_name: str
    occurred_at: datetime


class SlaHandlers:
    def __init__(self, policies: PolicyStore, signal: DeadlineSignal, *, look_ahead: timedelta) -> None:
        self._policies = policies
        self._signal = signal
        self._look_ahead = look_ahead

    async def on_case_event(
        self,
        uow: UnitOfWork,
        event_type: str,
        snapshot: CaseSnapshot,
        terms: CustomerTerms | None = None,
        *,
        promised_by: datetime | None = None,
    ) -> None:
        """A case or dispatch event (`event_type`), as the snapshot of its case it carries; `terms` what the
        customer stated (the created event only); `promised_by` the original vendor's promised answer."""
        connection, now = uow.connection, uow.clock.now()
        case = await remember_case(
            connection, snapshot, now, says_assignee=event_type.startswith(CASE_EVENTS), terms=terms
        )
        priority = Priority(snapshot.priority) if snapshot.priority else None
        commands = (
            plan_for_event(event_type, occurred_at=snapshot.occurred_at, priority=priority, promised_by=promised_by)
            if event_type in HANDLED_EVENT_TYPES
            else []
        )
        if not commands:
            await self._replan_for_assignee(uow, case)
            if case.applied is not None:  # clocks planned before: has another policy come into force?
                policy_set = await self._policies.current(connection)
                contract = await contract_policy(connection, case.contract_id)
                await self._announce_policy(uow, case, policy_set.policy_for_contract(contract))
            return
        policy_set = await self._policies.current(connection)
        policy = policy_set.policy_for_contract(await contract_policy(connection, case.contract_id))
        await self._announce_policy(uow, case, policy)
        existing = await load_case_clocks(connection, case.case_id, lock=True)
        outcome = apply_commands(
            existing, commands, case_id=case.case_id, policy=policy, calendars=policy_set.calendars, now=now,
            terms=case.terms,
        )
        changed = outcome.changed()
        # open clocks planned for another assignee are re-planned with the rest
        if await stale_plans(connection, case.case_id, case.assignee_id):
            changed = {**{k: c for k, c in outcome.clocks.items() if c.is_open}, **changed}
        await save_case_clocks(connection, case, changed, now, policy_set.calendars)
        where = Where(case.company_id, case.region, case.assignee_id)
        await record_facts(connection, [(where, clock) for clock in changed.values()], policy_set.calendars, now)
        ref = CaseRef(case.case_number, case.region, case.company_id, case.assignee_id)
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
        await record_fired(connection, fired)
        # every clock held, changed or not: one the firing loop skipped while we held it may be due now
        due = [c.next_due_at for c in outcome.clocks.values() if c.next_due_at is not None]
        if due and min(due) <= now + self._look_ahead:
            await self._signal.announce(uow, min(due))

    async def _announce_policy(self, uow: UnitOfWork, case: CaseInfo, policy: Policy) -> None:
        """Tell cases the case's policy and reply settings, the first time and whenever they change."""
        applied = to_announce(case.applied, policy)
        if applied is None:
            return
        await remember_applied_policy(uow.connection, case.case_id, applied)
        message = policy_applied_message(case, applied, uow.clock.now())
        uow.emit(POLICY_APPLIED, subject=case.case_id, data=message, region=case.region)

    async def _replan_for_assignee(self, uow: UnitOfWork, case: CaseInfo) -> None:
        """A new assignee (or none): what the open clocks' firings will say and count under changes."""
        connection = uow.connection
        if not await stale_plans(connection, case.case_id, case.assignee_id):
            return
        policy_set = await self._policies.current(connection)
        clocks = await load_case_clocks(connection, case.case_id, lock=True)
        open_clocks = {k: c for k, c in clocks.items() if c.is_open}
        await save_case_clocks(connection, case, open_clocks, uow.clock.now(), policy_set.calendars)

    async def on_contract_policies(self, uow: UnitOfWork, policies: list[ContractPolicy]) -> None:
        """`aftercare.contract.*`: remember the SLA policy each contract selects."""
        for contract in policies:
            await remember_contract_policy(
                uow.connection, contract.contract_id, contract.policy_name, contract.occurred_at, uow.clock.now()
            )
