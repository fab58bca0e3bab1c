"""One function per command: load (row locked), decide (the domain command), save (the case at its
version, the sealed timeline entries), emit (every domain event to the outbox) — one transaction."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aftercare_platform.batching import GroupCommitter
from aftercare_platform.db.statements import is_postgres
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from sqlalchemy.exc import IntegrityError

from cases.adapters import repository
from cases.adapters.creation_claims import claim_and_number
from cases.adapters.proto_mapping import event_message
from cases.adapters.tables import COMMAND_REQUEST_KEY
from cases.adapters.timeline_signals import TimelineSignals
from cases.command_batch import (
    CaseCommand,
    CommandCall,
    Fact,
    Outcome,
    UnknownCase,
    apply_together,
    record_facts_together,
)
from cases.domain import commands
from cases.domain.actors import Actor, system_actor
from cases.domain.case import Case, CasePolicy
from cases.domain.case_numbers import REGION_TIME_ZONES, format_case_number, local_day, region_time_zone
from cases.domain.commands import NewCase, ReplyPolicy
from cases.domain.decisions import Decision
from cases.domain.permissions import Command, require_role
from cases.domain.references import CaseRef
from cases.domain.text import SHORT_TEXT_MAX, without_nul
from cases.domain.timeline import ChainHead, TimelineEntry, canonical_json, seal
from cases.domain.visibility import entry_visible_to, sees_internal
from cases.domain.vocabulary import Visibility
from cases.loading import load_visible

# the group-commit key of every creation: one batch runs at a time, holding any regions
_ONE_BATCH_AT_A_TIME = "creations"
# and of every command on an existing case (beside the creations' batches)
_COMMANDS = "commands"


@dataclass(frozen=True)
class Created:
    case: Case
    created: bool  # False: the request id was seen before and this is the case it created


@dataclass(frozen=True)
class _Creation:
    """One CreateCase, checked and waiting for its batch."""

    actor: Actor
    key: str
    report: NewCase
    fingerprint: str
    case_id: str


class CaseHandlers:
    def __init__(
        self,
        database: Database,
        signals: TimelineSignals,
        *,
        region_time_zones: Mapping[str, str] | None = None,
        reply_policy: ReplyPolicy | None = None,
    ) -> None:
        self._db = database
        self._signals = signals
        self._zones = {**REGION_TIME_ZONES, **(region_time_zones or {})}
        self.reply_policy = reply_policy or ReplyPolicy()
        # creations that arrive while a batch runs are opened together in the next, whatever their regions
        self.creations: GroupCommitter[_Creation, Created] = GroupCommitter(self._create_batch, self._create_alone,
                                                                           name="creations")
        # commands that arrive while a batch of them runs go in the next, one transaction for all (PostgreSQL:
        # the batch locks many rows in one statement; SQLite has one writer and no row locks)
        self.commands: GroupCommitter[CommandCall, Outcome] = GroupCommitter(self._command_batch, self._command_alone,
                                                                            name="commands")
        self._batches_commands = is_postgres(database.engine)

    async def create_case(self, actor: Actor, request_id: str, report: NewCase) -> Created:
        """Open a case, numbered in its region's local day; the same request id again gives the same case."""
        require_role(actor, Command.OPEN)
        key = _request_id(request_id)
        report = report.validated()
        fingerprint = hashlib.sha256(canonical_json(report.as_document()).encode()).hexdigest()
        # what the domain would refuse is refused now, before the request joins a batch (so a batch never
        # meets a refusal of its own making)
        commands.admissible(report, actor)
        creation = _Creation(actor, key, report, fingerprint, str(uuid.uuid4()))
        # one key for every region: split by region, 32 requests in flight made batches five times smaller
        return await self.creations.submit(_ONE_BATCH_AT_A_TIME, creation)

    async def _create_alone(self, creation: _Creation) -> Created:
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            claim = await repository.claim_request(
                uow.connection, requester=creation.actor.subject, request_id=creation.key,
                fingerprint=creation.fingerprint, case_id=creation.case_id, at=now,
            )
            if not claim.fresh:
                return await self._replayed(uow, creation.actor, creation.key, claim, creation.fingerprint)
            case = await self._open(uow, creation.report, claim.case_id, creation.actor, now)
        self._signals.appended(case.id)
        return Created(case, created=True)

    async def _create_batch(self, batch: Sequence[_Creation]) -> list[Created | None]:
        """Open the batch's cases in one transaction: claim every request id and take consecutive numbers of each
        (region, day) (one statement on PostgreSQL: an update of each number row, in key order, counted from the
        fresh claims), number the cases in arrival order, insert every case, entry and event together. A request id
        already claimed, or twice in the batch, is left to `_create_alone` (None), after this commits: it finds the
        case the claim names."""
        firsts: dict[tuple[str, str], _Creation] = {}
        for creation in batch:
            firsts.setdefault((creation.actor.subject, creation.key), creation)
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            claimed = await claim_and_number(uow.connection, [
                {"requester": c.actor.subject, "request_id": c.key, "fingerprint": c.fingerprint,
                 "case_id": c.case_id, "created_at": now} for c in firsts.values()],
                {c.case_id: (c.report.region, self._day(c.report.region, now)) for c in firsts.values()})
            opening = [c for c in batch
                       if (c.actor.subject, c.key) in claimed.fresh and firsts[(c.actor.subject, c.key)] is c]
            if not opening:
                return [None] * len(batch)
            numbers = self._numbers(opening, claimed.first_numbers, now)
            opened: dict[str, Case] = {}
            rows = []
            for creation in opening:
                decision = commands.open_case(creation.report, case_id=creation.case_id,
                                              number=numbers[creation.case_id], actor=creation.actor, at=now)
                entries, head = seal(ChainHead.genesis(creation.case_id), decision.entries)
                rows.append((decision.case, entries, head))
                opened[creation.case_id] = decision.case
                await self._emit(uow, decision, notify=False)
            await repository.insert_cases(uow.connection, rows)
        for case_id in opened:
            self._signals.appended(case_id)
        return [Created(opened[c.case_id], created=True) if c.case_id in opened else None for c in batch]

    def _numbers(self, opening: Sequence[_Creation], first_numbers: dict[tuple[str, date], int],
                 now: datetime) -> dict[str, str]:
        """Each creation's case number: consecutive in its (region, day) from the first one taken, in arrival
        order."""
        by_day: dict[tuple[str, date], list[_Creation]] = {}
        for creation in opening:
            region = creation.report.region
            by_day.setdefault((region, self._day(region, now)), []).append(creation)
        numbers: dict[str, str] = {}
        for (region, day), creations in by_day.items():
            for sequence, creation in enumerate(creations, start=first_numbers[(region, day)]):
                numbers[creation.case_id] = format_case_number(region, day, sequence)
        return numbers

    def _day(self, region: str, now: datetime) -> date:
        """The region's local day at `now`: what its case numbers are dated and counted in."""
        return local_day(region_time_zone(region, self._zones), now)

    async def _open(self, uow: UnitOfWork, report: NewCase, case_id: str, actor: Actor, now: datetime) -> Case:
        """Number the case in its region's local day, open it, seal its first entries, emit `created`."""
        day = self._day(report.region, now)
        sequence = await repository.next_sequences(uow.connection, report.region, day, 1)
        number = format_case_number(report.region, day, sequence)
        decision = commands.open_case(report, case_id=case_id, number=number, actor=actor, at=now)
        entries, head = seal(ChainHead.genesis(case_id), decision.entries)
        await repository.insert_case(uow.connection, decision.case, entries, head)
        await self._emit(uow, decision, notify=False)
        return decision.case

    async def _follow_up(self, uow: UnitOfWork, decision: Decision, now: datetime) -> tuple[Decision, Case | None]:
        """A customer came back after the reopen window: open the new case, and note it on the old one."""
        report = decision.follow_up
        if report is None:
            return decision, None
        opened = await self._open(uow, report, str(uuid.uuid4()), system_actor("cases"), now)
        author = report.on_behalf or system_actor("cases")
        noted = commands.follow_up_opened(decision.case, author, now, number=opened.number,
                                          reason=report.description)
        return decision.then(noted), opened

    async def _replayed(
        self, uow: UnitOfWork, actor: Actor, key: str, claim: repository.RequestClaim, fingerprint: str
    ) -> Created:
        _same_request(key, claim.fingerprint, fingerprint, "opened another case with a different report")
        stored = await load_visible(uow.connection, actor, CaseRef(case_id=claim.case_id))
        return Created(stored.case, created=False)

    async def execute(
        self, actor: Actor, ref: CaseRef, command: CaseCommand, /, *, request_id: str = "", **arguments: Any
    ) -> Outcome:
        """Run `command` on the case `ref` names, as `actor`, at the clock's now.

        With a `request_id` the command is applied once: the same caller sending it again (a retry after a
        lost answer) gets the entries it added the first time; the same id for anything else is refused."""
        call = CommandCall(actor, ref, command, _request_id(request_id) if request_id else "", arguments)
        if self._batches_commands:
            return await self.commands.submit(_COMMANDS, call)
        return await self._command_alone(call)

    async def _command_batch(self, calls: Sequence[CommandCall]) -> list[Outcome | None]:
        async with self._db.unit_of_work() as uow:
            outcomes = await apply_together(uow, calls, self._emit, self._signals.channel)
        for done in outcomes:
            if done is not None:
                self._signals.appended(done.case.id)
        return outcomes

    async def _command_alone(self, call: CommandCall) -> Outcome:
        try:
            return await self._command_once(call)
        except IntegrityError as error:
            if not call.key or COMMAND_REQUEST_KEY not in str(error.orig):
                raise
            # the same request id, sent at once for another case, committed first (its case's lock is not
            # ours): run again, and find it
            return await self._command_once(call)

    async def _command_once(self, call: CommandCall) -> Outcome:
        actor, key = call.actor, call.key
        async with self._db.unit_of_work() as uow:
            stored = await load_visible(uow.connection, actor, call.ref, for_update=True)
            fingerprint = call.fingerprint(stored.case.id) if key else ""
            if key:
                # the case's row lock is held: a concurrent retry of the same request waits and then finds it
                earlier = await repository.find_command_request(uow.connection, requester=actor.subject, request_id=key)
                if earlier is not None:
                    return await self._replayed_command(uow, stored, key, earlier, fingerprint)
            now = uow.clock.now()
            decision, follow_up = await self._follow_up(uow, call.command(stored.case, actor, now, **call.arguments),
                                                        now)
            # recorded with the change, so a retry of the request finds what it did
            recorded = repository.RecordedCommand(actor.subject, key, fingerprint, now) if key else None
            entries = await self._save(uow, stored, decision, recorded)
        self._signals.appended(stored.case.id)
        if follow_up is not None:
            self._signals.appended(follow_up.id)
        return Outcome(decision.case, entries, follow_up)

    async def _replayed_command(
        self,
        uow: UnitOfWork,
        stored: repository.StoredCase,
        key: str,
        earlier: repository.CommandRequest,
        fingerprint: str,
    ) -> Outcome:
        _same_request(key, earlier.fingerprint, fingerprint, "was already used for another change")
        entries = [await repository.read_entry(uow.connection, earlier.case_id, p) for p in earlier.positions]
        return Outcome(stored.case, tuple(e for e in entries if e is not None))

    async def correct_entry(self, actor: Actor, ref: CaseRef, position: int, text: str) -> Outcome:
        """A correction is a new entry naming the one it corrects; nothing is edited."""
        if position < 1:
            raise InvalidArgument.for_field("position", f"timeline positions start at 1, got {position}")
        async with self._db.unit_of_work() as uow:
            stored = await load_visible(uow.connection, actor, ref, for_update=True)
            if sees_internal(actor):
                original = await repository.read_entry(uow.connection, stored.case.id, position)
            else:  # a customer names entries by its own numbering of the public ones
                public = await repository.read_entries(uow.connection, stored.case.id, public_only=True)
                original = public[position - 1] if position <= len(public) else None
            if original is None or not entry_visible_to(actor, original):
                raise NotFound(f"case {ref.text} has no timeline entry {position}", position=position)
            decision = commands.correct_entry(stored.case, actor, uow.clock.now(), original=original, text=text)
            entries = await self._save(uow, stored, decision)
        self._signals.appended(stored.case.id)
        return Outcome(decision.case, entries)

    async def record_fact(
        self,
        uow: UnitOfWork,
        case_id: str,
        *,
        source: str,
        kind: str,
        payload: Mapping[str, Any],
        visibility: Visibility = Visibility.INTERNAL,
    ) -> Outcome | None:
        """Another service's fact (`source`, e.g. "sla-timer") on the case's timeline, in the caller's
        unit of work: a consumer's, so its inbox claim and the appended entry commit together.
        None when there is no such case (the caller decides whether that is an error)."""
        stored = await repository.find_case(uow.connection, CaseRef(case_id=case_id), for_update=True)
        if stored is None:
            return None
        decision = commands.record_fact(
            stored.case, system_actor(source), uow.clock.now(), kind=kind, payload=payload, visibility=visibility
        )
        # _emit's notification wakes WatchCase streams at commit
        entries = await self._save(uow, stored, decision)
        return Outcome(decision.case, entries)

    async def record_facts(self, uow: UnitOfWork, facts: Sequence[Fact]) -> None:
        """A consumer's window of facts, in its unit of work: together on PostgreSQL, one by one on SQLite (no row
        locks to batch). UnknownCase when one names a case cases never had."""
        if self._batches_commands:  # WatchCase streams wake at commit (the saves' notifications), as alone
            await record_facts_together(uow, facts, self._emit, self._signals.channel)
            return
        for fact in facts:
            if await self.record_fact(uow, fact.case_id, source=fact.source, kind=fact.kind, payload=fact.payload,
                                      visibility=fact.visibility) is None:
                raise UnknownCase(fact)

    async def apply_policy(self, uow: UnitOfWork, case_id: str, policy: CasePolicy) -> Outcome | None:
        """sla-timer's word on the case's SLA policy and reply settings, kept on the case in the consumer's
        unit of work. None when there is no such case."""
        stored = await repository.find_case(uow.connection, CaseRef(case_id=case_id), for_update=True)
        if stored is None:
            return None
        decision = commands.apply_policy(stored.case, system_actor("sla-timer"), uow.clock.now(), policy=policy)
        if decision.case is stored.case:  # the same settings again: nothing to save
            return Outcome(stored.case)
        return Outcome(decision.case, await self._save(uow, stored, decision))

    async def _save(
        self, uow: UnitOfWork, stored: repository.StoredCase, decision: Decision,
        command: repository.RecordedCommand | None = None,
    ) -> tuple[TimelineEntry, ...]:
        save = repository.CaseSave.sealed(stored, decision, command)
        notified = await repository.update_cases(uow.connection, [save], notify_channel=self._signals.channel)
        await self._emit(uow, decision, notify=not notified)
        return tuple(save.entries)

    async def _emit(self, uow: UnitOfWork, decision: Decision, *, notify: bool = True) -> None:
        """The decision's events; with `notify`, other replicas' WatchCase streams wake on commit (not for a case
        being opened: WatchCase finds the case before it waits, so nobody watches it yet)."""
        for event in decision.events:
            uow.emit(event.type, subject=event.subject, data=event_message(event), region=decision.case.region)
        if decision.entries and notify:
            # other replicas' WatchCase streams wake on this when the transaction commits
            await uow.notify(self._signals.channel, decision.case.id)


def _same_request(key: str, recorded: str, fingerprint: str, what_it_did: str) -> None:
    """A request id sent again must carry the same request: anything else is refused, naming the field."""
    if recorded != fingerprint:
        raise FailedPrecondition(
            f"request_id {key!r} {what_it_did}; use a new request id",
            violations=[FieldViolation("request_id", what_it_did)],
            request_id=key,
        )


def _request_id(request_id: str) -> str:
    key = (request_id or "").strip()
    if not key:
        raise InvalidArgument.for_field("request_id", "is required: a client-chosen key (e.g. a UUID) per report")
    if len(key) > SHORT_TEXT_MAX:
        raise InvalidArgument.for_field("request_id", f"at most {SHORT_TEXT_MAX} characters, got {len(key)}")
    return without_nul("request_id", key)
