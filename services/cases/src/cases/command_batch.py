"""Commands on many cases in one transaction (PostgreSQL): what a burst of notes — an alarm storm folding into
its cases — costs one transaction each, a batch costs once. And other services' facts on many cases (a
consumer's window of sla-timer's verdicts) in a few statements (`record_facts_together`).

The batch locks the cases it names that nobody else holds in one statement (SKIP LOCKED: it never waits, so
it is never in a deadlock), looks up every request id in one more, decides each command exactly as one alone
would, and saves every case in one pipelined executemany. A command the batch cannot take as it would alone —
its case held elsewhere, not found or not visible, a second command on a case in the batch, a request id seen
before (a replay), a refusal, a follow-up case to open — is left undone (None): the group committer runs it
alone after the batch commits, where it waits for its case and gets the answer it would have got."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aftercare_platform.db.unit_of_work import UnitOfWork

from cases.adapters import batch_statements, repository
from cases.domain import commands
from cases.domain.actors import Actor, system_actor
from cases.domain.case import Case
from cases.domain.decisions import Decision
from cases.domain.references import CaseRef
from cases.domain.timeline import TimelineEntry
from cases.domain.visibility import visible_to
from cases.domain.vocabulary import Visibility

# (case, actor, at, **arguments) -> Decision: every command in cases.domain.commands
CaseCommand = Callable[..., Decision]


@dataclass(frozen=True)
class CommandCall:
    """One command, checked and waiting for its batch: `key` is its request id ('' for none)."""

    actor: Actor
    ref: CaseRef
    command: CaseCommand
    key: str
    arguments: Mapping[str, Any]

    def fingerprint(self, case_id: str) -> str:
        """What the request id is recorded with: the same id again must name the same change."""
        name = getattr(self.command, "__name__", repr(self.command))
        document = {"case": case_id, "command": name, "arguments": self.arguments}
        return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """What a command did: the case after it, its new entries, and a case opened to follow it up."""

    case: Case
    entries: tuple[TimelineEntry, ...] = ()
    follow_up: Case | None = None  # the case opened to follow this one up (after the reopen window)


# (uow, decision, notify=...) -> None: the decision's events to the outbox, and WatchCase's wake-up with `notify`
Emit = Callable[..., Awaitable[None]]


async def apply_together(
    uow: UnitOfWork, calls: Sequence[CommandCall], emit: Emit, notify_channel: str
) -> list[Outcome | None]:
    """Apply each call's command in `uow`; None for the calls left to run alone."""
    locked = await batch_statements.lock_cases(uow.connection, [call.ref for call in calls])
    # a ref names its case by id or by number (a UUID and an "EA-…" number never meet)
    located = {key: stored for stored in locked for key in (stored.case.id, stored.case.number)}
    keys = [(call.actor.subject, call.key) for call in calls if call.key]
    taken_keys = await batch_statements.seen_command_requests(uow.connection, keys) if keys else set()
    taken_cases: set[str] = set()
    now = uow.clock.now()
    saves: list[repository.CaseSave] = []
    decisions: list[Decision] = []
    results: list[Outcome | None] = []
    for call in calls:
        stored = located.get(call.ref.text)
        request = (call.actor.subject, call.key)
        if (stored is None or not visible_to(stored.case, call.actor) or stored.case.id in taken_cases
                or (call.key and request in taken_keys)):
            results.append(None)
            continue
        try:
            decision = call.command(stored.case, call.actor, now, **call.arguments)
        except Exception:  # a refusal: alone, it reaches its caller
            results.append(None)
            continue
        if decision.follow_up is not None:  # opening a case takes a number: the one-command path does it
            results.append(None)
            continue
        taken_cases.add(stored.case.id)
        if call.key:
            taken_keys.add(request)
        recorded = (repository.RecordedCommand(call.actor.subject, call.key, call.fingerprint(stored.case.id), now)
                    if call.key else None)
        save = repository.CaseSave.sealed(stored, decision, recorded)
        saves.append(save)
        decisions.append(decision)
        results.append(Outcome(decision.case, tuple(save.entries)))
    # a batch of one saves as a command alone does: its update notifies WatchCase itself
    notified = await repository.update_cases(uow.connection, saves, notify_channel=notify_channel)
    for decision in decisions:
        await emit(uow, decision, notify=not notified)
    return results


@dataclass(frozen=True)
class Fact:
    """Another service's fact (`source`, e.g. "sla-timer") for a case's timeline: `commands.record_fact`'s input."""

    case_id: str
    source: str
    kind: str
    payload: Mapping[str, Any]
    visibility: Visibility = Visibility.INTERNAL


class UnknownCase(Exception):
    """A fact names a case cases never had."""

    def __init__(self, fact: Fact) -> None:
        super().__init__(f"{fact.kind} names case {fact.case_id}, which cases never had")
        self.fact = fact


async def record_facts_together(uow: UnitOfWork, facts: Sequence[Fact], emit: Emit, notify_channel: str) -> None:
    """Record the facts in `uow` as `record_fact` would one by one (PostgreSQL): every case they name locked in one
    statement, each case's facts decided in their order and saved at once (`Decision.then`: one save, every entry
    chained in order), all the saves in one more. A case another transaction holds is waited for alone;
    UnknownCase when a case does not exist."""
    by_case: dict[str, list[Fact]] = {}
    for fact in facts:
        by_case.setdefault(fact.case_id, []).append(fact)
    refs = {case_id: CaseRef(case_id=case_id) for case_id in by_case}
    held = await batch_statements.lock_cases(uow.connection, list(refs.values()))
    locked = {stored.case.id: stored for stored in held}
    now = uow.clock.now()
    saves: list[repository.CaseSave] = []
    decisions: list[Decision] = []
    for case_id, case_facts in by_case.items():
        stored = locked.get(case_id) or await repository.find_case(uow.connection, refs[case_id], for_update=True)
        if stored is None:
            raise UnknownCase(case_facts[0])
        decision: Decision | None = None
        for fact in case_facts:
            later = commands.record_fact(decision.case if decision else stored.case, system_actor(fact.source), now,
                                         kind=fact.kind, payload=fact.payload, visibility=fact.visibility)
            decision = decision.then(later) if decision else later
        assert decision is not None
        saves.append(repository.CaseSave.sealed(stored, decision))
        decisions.append(decision)
    notified = await repository.update_cases(uow.connection, saves, notify_channel=notify_channel)
    for decision in decisions:
        await emit(uow, decision, notify=not notified)
