"""What GetCaseSla returns: the domain's explanation of each clock as aftercare.sla.v1 messages."""

from __future__ import annotations

from datetime import datetime

from aftercare.sla.v1 import sla_pb2
from aftercare_platform.contracts import EnumMap

from sla_timer.adapters.case_repository import CaseInfo
from sla_timer.adapters.proto_vocabulary import CLOCK_KINDS, CLOCK_STATUSES, PRIORITIES, duration, timestamp
from sla_timer.domain.clock_model import CycleSummary, Firing, Pause, TargetRevision
from sla_timer.domain.explain import ClockExplanation, ItemExplanation

ITEM_STATES = EnumMap.words(sla_pb2.ItemState)


def _item(item: ItemExplanation) -> sla_pb2.ItemExplanation:
    message = sla_pb2.ItemExplanation(
        item=item.item,
        label=item.label,
        state=ITEM_STATES.number(item.state, "state"),  # type: ignore[arg-type]
        note=item.note,
    )
    if item.due_at is not None:
        message.due_time.CopyFrom(timestamp(item.due_at))
    if item.fired_at is not None:
        message.fired_time.CopyFrom(timestamp(item.fired_at))
    if item.withdrawn_at is not None:
        message.withdrawn_time.CopyFrom(timestamp(item.withdrawn_at))
    if item.priority is not None:
        message.priority = PRIORITIES.number(item.priority)  # type: ignore[assignment]
    if item.target is not None:
        message.target.CopyFrom(duration(item.target))
    return message


def _in_force(revision: TargetRevision) -> sla_pb2.TargetInForce:
    message = sla_pb2.TargetInForce(
        effective_time=timestamp(revision.effective_at),
        priority=PRIORITIES.number(revision.priority),  # type: ignore[arg-type]
    )
    if revision.target is not None:
        message.target.CopyFrom(duration(revision.target.target))
        message.calendar = revision.target.calendar
    return message


def _firing(firing: Firing) -> sla_pb2.Firing:
    message = sla_pb2.Firing(
        item=firing.item,
        label=firing.label,
        due_time=timestamp(firing.due_at),
        fired_time=timestamp(firing.fired_at),
        withdrawn_reason=firing.withdrawn_reason,
    )
    if firing.withdrawn_at is not None:
        message.withdrawn_time.CopyFrom(timestamp(firing.withdrawn_at))
    return message


def _pause(pause: Pause) -> sla_pb2.Pause:
    message = sla_pb2.Pause(start_time=timestamp(pause.start), reason=pause.reason)
    if pause.end is not None:
        message.end_time.CopyFrom(timestamp(pause.end))
    return message


def _cycle(cycle: CycleSummary) -> sla_pb2.CycleSummary:
    message = sla_pb2.CycleSummary(
        cycle=cycle.cycle,
        started_time=timestamp(cycle.started_at),
        status=CLOCK_STATUSES.number(cycle.status),  # type: ignore[arg-type]
        business_elapsed=duration(cycle.business_elapsed),
        firings=[_firing(f) for f in cycle.firings],
        targets_in_force=[_in_force(r) for r in cycle.revisions],
    )
    if cycle.stopped_at is not None:
        message.stopped_time.CopyFrom(timestamp(cycle.stopped_at))
    if cycle.revisions:
        last = cycle.revisions[-1]
        message.priority = PRIORITIES.number(last.priority)  # type: ignore[assignment]
        if last.target is not None:
            message.target.CopyFrom(duration(last.target.target))
    return message


def clock_explanation_message(explained: ClockExplanation) -> sla_pb2.ClockExplanation:
    message = sla_pb2.ClockExplanation(
        clock_kind=CLOCK_KINDS.number(explained.kind),  # type: ignore[arg-type]
        cycle=explained.cycle,
        status=CLOCK_STATUSES.number(explained.status),  # type: ignore[arg-type]
        policy=explained.policy or "",
        priority=PRIORITIES.number(explained.priority),  # type: ignore[arg-type]
        calendar=explained.calendar or "",
        time_zone=explained.time_zone or "",
        business_elapsed=duration(explained.business_elapsed),
        pauses=[_pause(p) for p in explained.pauses],
        warnings=[_item(w) for w in explained.warnings],
        withdrawn=[_firing(f) for f in explained.withdrawn],
        previous_cycles=[_cycle(c) for c in explained.previous_cycles],
        why=explained.why,
        targets_in_force=[_in_force(r) for r in explained.targets_in_force],
    )
    if explained.target is not None:
        message.target.CopyFrom(duration(explained.target))
    if explained.remaining is not None:
        message.remaining.CopyFrom(duration(explained.remaining))
    if explained.started_at is not None:
        message.started_time.CopyFrom(timestamp(explained.started_at))
    if explained.stopped_at is not None:
        message.stopped_time.CopyFrom(timestamp(explained.stopped_at))
    if explained.deadline is not None:
        message.deadline.CopyFrom(timestamp(explained.deadline))
    if explained.next_due is not None:
        due = explained.next_due
        message.next_due.CopyFrom(
            sla_pb2.ItemExplanation(
                item=due.item, label=due.label, state=sla_pb2.ITEM_STATE_PENDING, due_time=timestamp(due.due_at)
            )
        )
    if explained.breach is not None:
        message.breach.CopyFrom(_item(explained.breach))
    return message


def case_sla_message(case: CaseInfo, policy: str, clocks: list[ClockExplanation], as_of: datetime) -> sla_pb2.CaseSla:
    message = sla_pb2.CaseSla(
        case_id=case.case_id,
        case_number=case.case_number,
        region=case.region,
        company_id=case.company_id,
        contract_id=case.contract_id,
        policy=policy,
        clocks=[clock_explanation_message(c) for c in clocks],
        as_of=timestamp(as_of),
        customer_severity=PRIORITIES.number(case.terms.severity),  # type: ignore[arg-type]
    )
    if case.terms.requested_response is not None:
        message.customer_requested_response.CopyFrom(duration(case.terms.requested_response))
    return message
