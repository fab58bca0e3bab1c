"""The deliverer: a background Component handing pending submissions to cases.

Each submission is leased (so replicas never deliver one twice at once), sent (CreateCase with the
receipt id as request id, so a retry after a lost answer opens nothing new; or AddNote, with the same
request id, so a retried note is added once), and marked
submitted in the same transaction that records the case for duplicate and alarm folding. While
cases is unreachable the submission waits with exponential backoff and is never dropped; a lease
left by a crashed replica expires and the row is delivered again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aftercare_platform.clock import Clock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.outage import retry_through_blips

from intake.adapters import note_batches, submissions
from intake.adapters.case_index import KnownCase
from intake.adapters.cases_gateway import (
    CaseGone,
    CasesGateway,
    CasesRefused,
    CasesUnavailable,
    OpenedCase,
    actor_of,
    on_behalf_of,
)
from intake.adapters.note_batches import Member
from intake.adapters.submissions import State, Submission
from intake.domain.case_plan import CasePlan
from intake.domain.delivery_backoff import retry_delay
from intake.domain.note_batches import MAX_ALARMS_PER_NOTE, Foldable, batch_note, form_batches
from intake.domain.routing import Outcome
from intake.domain.vocabulary import Channel
from intake.handlers import rejections
from intake.handlers.note_batch_units import Delivery, NoteBatch, as_deliveries, foldable_view, joins_a_batch
from intake.handlers.rejections import Rejection

log = logging.getLogger(__name__)
T = TypeVar("T")


class CaseDeliverer:
    name = "case-delivery"

    def __init__(self, database: Database, gateway: CasesGateway, clock: Clock, *, region: str,
                 concurrency: int = 16, initial_backoff: float = 0.5, max_backoff: float = 30.0,
                 poll_seconds: float = 1.0, lease_seconds: float = 60.0) -> None:
        self._db = database
        self._gateway = gateway
        self._clock = clock
        self._region = region
        self._concurrency = concurrency
        self._initial = initial_backoff
        self._cap = max_backoff
        self._poll = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[Any]] = set()
        # the pump's last round left due work unclaimed (it was full): a delivery that ends frees a slot for it
        self._more_due = False
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}

    # ---- the Component --------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._pump(), name="intake-delivery")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def attempt_now(self, receipt_id: str, wait_seconds: float) -> None:
        """Wait (at most `wait_seconds`) for the first delivery attempt of this receipt, whatever its result."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(receipt_id, []).append(future)
        self.wake()
        try:
            await asyncio.wait_for(future, wait_seconds)
        except TimeoutError:
            pass
        finally:
            waiting = self._waiters.get(receipt_id, [])
            if future in waiting:
                waiting.remove(future)
            if not waiting:
                self._waiters.pop(receipt_id, None)

    def lease_until(self, now: datetime) -> datetime:
        """How long a delivery this replica starts keeps others off the submission."""
        return now + self._lease

    async def deliver_leased(self, submission: Submission, wait_seconds: float) -> Submission | None:
        """Deliver a submission the caller wrote already leased to this replica (a synchronous channel, so it
        can answer with the case number without the pump's round: no claim transaction, no wait for a turn),
        waiting at most `wait_seconds` for the attempt; the delivery goes on after that, as the pump's do.
        Should this replica die meanwhile, the lease expires and the pump delivers it (cases absorbs a repeat).
        Returns the submission with its attempt's outcome recorded (None: not within the wait)."""
        task = asyncio.create_task(self._deliver(submission))
        self._in_flight.add(task)
        task.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.shield(task), wait_seconds)
        except TimeoutError:
            return None

    async def deliver_due(self) -> int:
        """Deliver what is due now and wait for it (what the pump does continuously; tests and tools
        call it to step delivery deterministically). Returns how many submissions were attempted."""
        claimed, _ = await self._claim(self._concurrency)
        await asyncio.gather(*(self._deliver_one(delivery) for delivery in claimed))
        return sum(len(delivery.claimed) if isinstance(delivery, NoteBatch) else 1 for delivery in claimed)

    # ---- the pump -------------------------------------------------------------------------

    async def _pump(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self._concurrency - len(self._in_flight)
            self._more_due = free <= 0
            if free > 0:
                try:
                    claimed, rows = await self._claim(free)
                    self._more_due = rows == free  # a full claim: more may be due
                    for delivery in claimed:
                        task = asyncio.create_task(self._deliver_one(delivery))
                        self._in_flight.add(task)
                        task.add_done_callback(self._done)
                    if self._more_due and len(self._in_flight) < self._concurrency:
                        self._wake.set()  # a batch took several rows in one slot: slots are left for the rest
                except Exception:
                    log.exception("claiming pending submissions failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._in_flight.discard(task)
        if self._more_due:  # otherwise nothing waits for the slot: no claim round that would find nothing
            self._wake.set()

    async def _claim(self, limit: int) -> tuple[list[Delivery], int]:
        """Lease up to `limit` due rows, as deliveries, and how many rows were due and leased (the repeats a
        batch pulls in besides). Repeated alarms for one case join a batch here, with the others waiting for
        that case, and the batch is recorded in the same transaction: from then on it is fixed."""
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            lease_until = now + self._lease
            claimed, never_leased = await submissions.claim_due(uow.connection, now=now, lease_until=lease_until,
                                                                limit=limit)
            joining = [submission for submission in claimed if joins_a_batch(submission, never_leased)]
            pulled: list[Foldable] = []
            joined: dict[str, str] = {}
            if joining:  # its case's other waiting alarms come along (a storm's backlog goes as a few notes)
                pulled = await note_batches.pull_waiting_alarms(
                    uow.connection, {s.target_case_number or "" for s in joining}, per_case=MAX_ALARMS_PER_NOTE)
                formed = form_batches([*map(foldable_view, joining), *pulled])
                await note_batches.record_batches(uow.connection, formed, lease_until)
                joined = {member.receipt_id: batch[0].receipt_id for batch in formed for member in batch}
        return as_deliveries(claimed, pulled, joined), len(claimed)

    def _settled(self, receipt_id: str) -> None:
        for future in self._waiters.pop(receipt_id, []):
            if not future.done():
                future.set_result(None)

    # ---- one delivery ---------------------------------------------------------------------

    async def _deliver_one(self, delivery: Delivery) -> Submission | None:
        if isinstance(delivery, NoteBatch):
            try:
                await self._deliver_batch(delivery)
            finally:
                for receipt_id in delivery.claimed:
                    self._settled(receipt_id)
            return None
        return await self._deliver(delivery)

    async def _deliver_batch(self, batch: NoteBatch) -> None:
        """One note for the whole batch, the batch id its request id; every member's receipt records the outcome."""
        everyone = await self._guarded(lambda: self._batch_members(batch.batch_id))
        pending = [member for member in everyone or () if member.state is State.PENDING]
        if not everyone or not pending:
            return  # read failed (the lease expires and it is retried), or another deliverer finished it
        first = everyone[0]
        attempts = max(member.attempts for member in pending) + 1
        try:
            text = batch_note([member.note_text for member in everyone])
            opened = await self._gateway.add_note(batch.batch_id, first.target_case_number or "", text,
                                                  internal=bool(first.note_internal),
                                                  on_behalf=actor_of(first.on_behalf))
        except CaseGone as gone:  # nothing was added: each alarm becomes a case, as a lone one would
            why = f"Case {first.target_case_number} could not take this note ({gone})."
            await asyncio.gather(*(self._deliver_alone(member, why) for member in pending))
        except CasesRefused as refused:
            log.warning("cases refused the alarms of batch %s for good: %s", batch.batch_id, refused)
            refusal = str(refused)
            await self._guarded(lambda: self._fail_batch(batch.batch_id, refusal))
        except Exception as failed:
            if not isinstance(failed, CasesUnavailable):
                log.exception("delivering batch %s failed unexpectedly", batch.batch_id)
            delay = retry_delay(attempts, initial=self._initial, cap=self._cap, jitter=random.random())
            error = str(failed) if isinstance(failed, CasesUnavailable) else f"{type(failed).__name__}: {failed}"
            await self._guarded(lambda: self._mark_batch(batch.batch_id, delay=delay, error=error))
        else:
            await self._guarded(lambda: self._mark_batch(batch.batch_id, opened=opened))

    async def _batch_members(self, batch_id: str) -> list[Member]:
        async with self._db.reading() as connection:
            return await note_batches.members(connection, batch_id)

    async def _deliver_alone(self, member: Member, why: str) -> Submission | None:
        async with self._db.reading() as connection:
            submission = await submissions.get(connection, member.receipt_id)
        if submission is None:  # pragma: no cover - a member's row is never deleted
            return None
        plan = await self._as_new_case(submission, CasePlan.from_json(submission.plan), why)
        return await self._deliver(replace(submission, outcome=Outcome.NEW_CASE.value, plan=plan.to_json(),
                                           target_case_number=None, note_batch=None))

    async def _mark_batch(self, batch_id: str, *, opened: OpenedCase | None = None, delay: float = 0.0,
                          error: str | None = None) -> list[Member]:
        async with self._db.unit_of_work(single_statement=True) as uow:
            now = uow.clock.now()
            if opened is None:
                return await note_batches.mark_batch(uow.connection, batch_id, last_error=error,
                                                     next_attempt_at=now + timedelta(seconds=delay))
            return await note_batches.mark_batch(uow.connection, batch_id, state=State.SUBMITTED.value,
                                                 case_id=opened.case_id, case_number=opened.case_number,
                                                 submitted_at=now, last_error=None)

    async def _fail_batch(self, batch_id: str, error: str) -> None:
        async with self._db.unit_of_work() as uow:
            for member in await note_batches.mark_batch(uow.connection, batch_id, state=State.FAILED.value,
                                                        last_error=error):
                await rejections.record_in(uow, Rejection(
                    channel=Channel(member.channel), reason="cases_refused", detail=error,
                    received_at=member.received_at, channel_message_id=member.receipt_id), self._region)

    # ---- one submission -------------------------------------------------------------------

    async def _deliver(self, submission: Submission) -> Submission | None:
        attempts = submission.attempts + 1
        plan = CasePlan.from_json(submission.plan)
        try:
            opened, plan = await self._send(submission, plan)
        except CasesUnavailable as down:
            delay = retry_delay(attempts, initial=self._initial, cap=self._cap, jitter=random.random())
            reason = str(down)
            return await self._guarded(lambda: self._retry(submission, attempts, delay, reason))
        except CasesRefused as refused:
            log.warning("cases refused receipt %s for good: %s", submission.receipt_id, refused)
            refusal = str(refused)
            return await self._guarded(lambda: self._fail(submission, attempts, refusal))
        except Exception as unexpected:
            log.exception("delivering receipt %s failed unexpectedly", submission.receipt_id)
            delay = retry_delay(attempts, initial=self._initial, cap=self._cap)
            error = f"{type(unexpected).__name__}: {unexpected}"
            return await self._guarded(lambda: self._retry(submission, attempts, delay, error))
        else:
            return await self._guarded(lambda: self._succeed(submission, plan, opened, attempts))
        finally:
            self._settled(submission.receipt_id)

    async def _send(self, submission: Submission, plan: CasePlan) -> tuple[OpenedCase, CasePlan]:
        if submission.outcome == Outcome.NEW_CASE.value:
            return await self._gateway.create_case(submission.receipt_id, plan), plan
        target = submission.target_case_number or await self._parent_case_number(submission)
        if target is None:  # it was to go on a case that could not be opened: it becomes that case
            plan = await self._as_new_case(submission, plan, "The report this adds to could not be opened as a case.")
            return await self._gateway.create_case(submission.receipt_id, plan), plan
        try:
            return await self._gateway.add_note(submission.receipt_id, target, plan.note_text,
                                                internal=plan.note_internal, on_behalf=on_behalf_of(plan)), plan
        except CaseGone as gone:
            plan = await self._as_new_case(submission, plan, f"Case {target} could not take this note ({gone}).")
            return await self._gateway.create_case(submission.receipt_id, plan), plan

    async def _parent_case_number(self, submission: Submission) -> str | None:
        """The number of the case the receipt this note waited for opened (None if it failed)."""
        if submission.target_receipt_id is None:
            return None
        async with self._db.unit_of_work() as uow:
            parent = await submissions.get(uow.connection, submission.target_receipt_id)
        return parent.case_number if parent is not None else None

    async def _as_new_case(self, submission: Submission, plan: CasePlan, why: str) -> CasePlan:
        new_plan = plan.as_new_case(why)
        async with self._db.unit_of_work() as uow:
            await submissions.replan(uow.connection, submission.receipt_id, outcome=Outcome.NEW_CASE.value,
                                     plan=new_plan.to_json())
        return new_plan

    async def _succeed(self, submission: Submission, plan: CasePlan, opened: OpenedCase,
                       attempts: int) -> Submission:
        # a note's receipt is one statement, and so is an opening's where `mark_opened` makes it one: no BEGIN, COMMIT
        one_statement = bool(plan.note_text) or submissions.marks_opening_in_one_statement(self._db.engine)
        async with self._db.unit_of_work(single_statement=one_statement) as uow:
            now = uow.clock.now()
            if plan.note_text:  # a note on a case: only the receipt changes
                recorded, notes_due = await submissions.mark_submitted(
                    uow.connection, submission.receipt_id, case_id=opened.case_id, case_number=opened.case_number,
                    at=now, attempts=attempts), 0
            else:  # it opened a case: remember it, and tell the notes waiting for it
                opened_at = opened.created_at or now
                recorded, notes_due = await submissions.mark_opened(
                    uow.connection, submission.receipt_id, case_id=opened.case_id, case_number=opened.case_number,
                    at=now, attempts=attempts, known=KnownCase(
                        case_id=opened.case_id, case_number=opened.case_number, company_id=plan.company_id,
                        contract_id=plan.contract_id, asset_key=submission.asset_key,
                        description=str(submission.request.get("description", "")), error_codes=plan.error_codes,
                        priority=plan.priority, status="new", opened_at=opened_at, event_at=opened_at,
                        alarm_code=submission.alarm_code, caller_email=plan.caller.email,
                        caller_phone=plan.caller.phone,
                        reported_by=submission.partner_id if submission.channel == Channel.PARTNER.value else None))
        if notes_due:
            self._wake.set()  # notes that waited for this case are due now it is committed
        return recorded

    async def _retry(self, submission: Submission, attempts: int, delay: float, error: str) -> Submission:
        async with self._db.unit_of_work(single_statement=True) as uow:
            return await submissions.mark_retry(uow.connection, submission.receipt_id, attempts=attempts,
                                         next_attempt_at=uow.clock.now() + timedelta(seconds=delay), error=error)

    async def _fail(self, submission: Submission, attempts: int, error: str) -> Submission:
        async with self._db.unit_of_work() as uow:
            failed = await submissions.mark_failed(uow.connection, submission.receipt_id, attempts=attempts,
                                                   error=error)
            await rejections.record_in(uow, Rejection(
                channel=Channel(submission.channel), reason="cases_refused", detail=error,
                received_at=submission.received_at, channel_message_id=submission.receipt_id), self._region)
        return failed

    async def _guarded(self, step: Callable[[], Awaitable[T]]) -> T | None:
        """Recording the outcome is retried here, with backoff, for half the lease: a database blip after cases
        answered is over in seconds, and the outcome lands then (each step is safe to repeat). Only a longer
        outage leaves the lease to expire, and the row is delivered again (cases absorbs the repeat)."""
        try:
            return await retry_through_blips(step, within=self._lease.total_seconds() / 2,
                                             what="recording a delivery outcome")
        except Exception:
            log.exception("recording a delivery outcome failed; the lease will expire and it is retried")
            return None

