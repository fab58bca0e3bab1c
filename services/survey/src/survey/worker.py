"""The background worker: sends due invitations and carries out the calls to cases, each exactly once.

Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED and leased (their due time moved on), so
replicas never take the same row; cases is called outside the transaction; the outcome is written
in a second one. While cases is away a row waits with backoff and is never dropped; a lease left by
a crashed worker runs out and the row is taken again — which is why every call is safe to repeat:
the reopen happens only while the case is still closed with the reopen count it had when it was
surveyed, a note goes with a request id cases deduplicates, and a complaint is skipped when the
case already carries its text."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aftercare_platform.db.unit_of_work import Database

from survey.adapters import events, store
from survey.adapters.cases_gateway import CasesGateway, CasesRefused, CasesUnavailable, CaseView
from survey.domain.fatigue import ContactHistory, FatiguePolicy, skip_reason
from survey.domain.invitation import InvitationStatus
from survey.handlers import link_for, replace_contact
from survey.settings import SurveySettings

log = logging.getLogger(__name__)


def backoff(attempts: int, cap: float) -> timedelta:
    return timedelta(seconds=min(cap, 2.0 ** min(attempts, 16)))


class SurveyWorker:
    name = "survey-worker"

    def __init__(self, database: Database, gateway: CasesGateway, settings: SurveySettings, *,
                 batch: int = 32) -> None:
        self._db, self._cases, self._settings, self._batch = database, gateway, settings, batch
        self._lease = timedelta(seconds=settings.worker_lease_seconds)
        self._policy = FatiguePolicy(repeat_interval=timedelta(days=settings.repeat_interval_days),
                                     sampling=settings.sampling,
                                     company_sampling=tuple(settings.company_sampling.items()))
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="survey-worker")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("survey worker round failed; trying again shortly")  # a DB outage is waited out
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._settings.worker_poll_seconds)

    async def run_once(self) -> tuple[int, int, int]:
        """One round (what the loop does continuously; tests call it to step deterministically)."""
        return await self.send_due(), await self.call_due(), await self.remind_due()

    async def remind_due(self) -> int:
        """A campaign's reminder: the same link again to every contact who has not answered yet, once."""
        reminded = 0
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            for campaign_id in await store.claim_due_reminders(uow.connection, now):
                for invitation in await store.unanswered_of(uow.connection, campaign_id):
                    uow.emit(events.SURVEY_SENT, subject=invitation.id, region=invitation.region,
                             data=events.survey_sent(invitation, link_for(self._settings, invitation), now,
                                                     reminder=True))
                    reminded += 1
        return reminded

    # ---- invitations ------------------------------------------------------------------------

    async def send_due(self) -> int:
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            ids = await store.claim_due_invitations(uow.connection, now=now, lease_until=now + self._lease,
                                                    limit=self._batch)
        for invitation_id in ids:
            await self._send(invitation_id)
        return len(ids)

    async def _send(self, invitation_id: str) -> None:
        async with self._db.unit_of_work() as uow:
            invitation = await store.load_invitation(uow.connection, invitation_id)
        if invitation is None or invitation.status is not InvitationStatus.SCHEDULED:
            return
        case: CaseView | None = None
        try:
            case = await self._cases.get_case(invitation.case_id)
        except CasesUnavailable as down:
            async with self._db.unit_of_work() as uow:
                await store.postpone_invitation(uow.connection, invitation_id, lambda attempts: uow.clock.now()
                                                + backoff(attempts, self._settings.worker_max_backoff_seconds))
            log.warning("invitation %s waits for cases: %s", invitation_id, down)
            return
        except CasesRefused as refused:
            log.warning("invitation %s: cases refused to show the case: %s", invitation_id, refused)
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            current = await store.load_invitation(uow.connection, invitation_id, for_update=True)
            if current is None or current.status is not InvitationStatus.SCHEDULED:
                return  # cancelled by a reopen meanwhile
            if case is None or case.status != "closed":
                await store.save_invitation(uow.connection, current.cancel())  # reopened (or gone) before it went out
                return
            current = replace_contact(current, case.contact_name, case.contact_phone, case.contact_email,
                                      case.reopen_count)
            history = ContactHistory(
                case_already_surveyed=await store.surveyed_closing(uow.connection, current.case_id,
                                                                   case.reopen_count, current.id),
                opted_out=bool(current.contact_key) and await store.opted_out(uow.connection, current.contact_key),
                last_invited_at=await store.last_invited_at(uow.connection, current.contact_key, current.case_id)
                if current.contact_key else None,
            )
            reason = skip_reason(self._policy, history, case_id=current.case_id, company_id=current.company_id,
                                 has_contact=bool(current.contact_key), now=now)
            if reason is not None:
                await store.save_invitation(uow.connection, replace(current, status=InvitationStatus.SKIPPED,
                                                                 skip_reason=reason))
                return
            current = current.send(now, timedelta(days=self._settings.link_lifetime_days))
            await store.save_invitation(uow.connection, current)
            uow.emit(events.SURVEY_SENT, subject=current.case_id, region=current.region,
                     data=events.survey_sent(current, link_for(self._settings, current), now))

    # ---- calls to cases ---------------------------------------------------------------------

    async def call_due(self) -> int:
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            rows = await store.claim_due_calls(uow.connection, now=now, lease_until=now + self._lease,
                                               limit=self._batch)
        for row in rows:
            await self._call(row)
        return len(rows)

    async def _call(self, row: Any) -> None:
        try:
            outcome = await self._perform(row.kind, row.case_id, row.payload)
            status = "done"
        except CasesUnavailable as down:
            async with self._db.unit_of_work() as uow:
                await store.settle_call(uow.connection, row.id, status="pending", outcome=str(down),
                                        due_at=uow.clock.now() + backoff(row.attempts + 1,
                                                                         self._settings.worker_max_backoff_seconds))
            return
        except CasesRefused as refused:
            outcome, status = str(refused), "refused"
            log.warning("cases refused %s on case %s: %s", row.kind, row.case_id, refused)
        async with self._db.unit_of_work() as uow:
            await store.settle_call(uow.connection, row.id, status=status, outcome=outcome)

    async def _perform(self, kind: str, case_id: str, payload: dict[str, Any]) -> str:
        if kind == "note":
            await self._cases.add_note(case_id, text=payload["text"], request_id=payload["request_id"],
                                       internal=payload["internal"])
            return "noted"
        case = await self._cases.get_case(case_id)
        if kind == "reopen":
            # reopened already (by this call before a crash, or by someone else): never twice
            if case.status != "closed" or case.reopen_count != payload["reopen_count"]:
                return f"not reopened: the case is {case.status}, reopened {case.reopen_count} times"
            try:
                # cases reopens once per request id, whatever a crash between its answer and ours repeats
                await self._cases.reopen(case_id, payload["reason"],
                                         request_id=payload.get("request_id") or f"survey-call-{case_id}-reopen")
            except CasesRefused as refused:
                if refused.code == "FAILED_PRECONDITION":
                    return f"not reopened: {refused}"  # someone reopened it in between
                raise
            return "reopened"
        if kind == "complaint":
            if payload["text"] in case.complaint_texts:
                return "already filed"
            await self._cases.file_complaint(case_id, company_id=payload["company_id"],
                                             complainant=payload["complainant"], about=payload["about"],
                                             text=payload["text"])
            return "filed"
        raise ValueError(f"unknown call kind {kind!r}")
