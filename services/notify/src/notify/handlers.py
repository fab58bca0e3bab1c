"""Planning: a case, SLA or inspection event becomes delivery rows in the consumer's inbox transaction.

Everything is written before anything is sent: the rows (one per event, recipient and channel, keyed by
their idempotency key, ON CONFLICT DO NOTHING) commit with the inbox claim, and the sender loop sends
them. A redelivered event is absorbed by the inbox; a replayed one (another id for the same fact) finds
its keys taken only if the event id is the same, which is the producers' contract.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from aftercare_platform.db.statements import Bind, among, insert_ignore, is_postgres, prebuilt
from aftercare_platform.db.unit_of_work import UnitOfWork
from jinja2 import TemplateError
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from notify.adapters.catalog import current_template
from notify.adapters.notices import notice_document, notice_from_document
from notify.adapters.rulebook_store import rulebook_for
from notify.adapters.tables import deliveries, notices, resolved_cases, role_waits
from notify.directory import DirectoryUnavailable, RecipientDirectory
from notify.domain.notice import RESOLVING_TYPES, Notice
from notify.domain.planning import PlannedDelivery, plan_deliveries
from notify.domain.recipients import Recipient
from notify.domain.rules import ExtraRecipient, RuleBook, Targets
from notify.domain.vocabulary import Channel, DeliveryState, Role
from notify.events import emit_failed
from notify.templating import MessageTemplate, TemplateKey, render

log = logging.getLogger(__name__)


def _new_deliveries(bind: Bind) -> Any:
    return insert_ignore(bind, deliveries, ["id"]).returning(*deliveries.c)


def retry_delay(attempts: int) -> timedelta:
    """How long a role waits before its directory is asked again: 1 s doubling to a minute."""
    return timedelta(seconds=min(60, 2 ** min(attempts, 6)))


@dataclass(frozen=True)
class PlanningSettings:
    console_url: str


def _extra_recipient(notice: Notice, extra: ExtraRecipient) -> Recipient:
    recipient = Recipient(f"extra:{notice.company_id}:{extra.address}", extra.name, notice.company_id,
                          language=extra.language)
    if extra.channel is Channel.SMS:
        return replace(recipient, phone=extra.address)
    if extra.channel is Channel.EMAIL:
        return replace(recipient, email=extra.address)
    return replace(recipient, webhook_url=extra.address)


class NotifyHandlers:
    def __init__(self, directory: RecipientDirectory, settings: PlanningSettings, cache_seconds: float = 5.0,
                 waiting: Callable[[], None] = lambda: None) -> None:
        self._directory, self._settings = directory, settings
        self.waiting = waiting  # told when a role is left to wait (the retry loop looks sooner)
        self.refused_total = 0  # cross-company recipients kept out (a metric; each one is logged)
        # templates and overrides change rarely: read at most every few seconds, not for every message
        self._cache_seconds = cache_seconds
        self._templates: dict[TemplateKey, tuple[datetime, MessageTemplate]] = {}
        self._rulebooks: dict[str, tuple[datetime, RuleBook]] = {}

    def _fresh(self, read_at: datetime, now: datetime) -> bool:
        return timedelta(0) <= now - read_at <= timedelta(seconds=self._cache_seconds)

    async def _template(self, connection: AsyncConnection, key: TemplateKey, now: datetime) -> MessageTemplate:
        cached = self._templates.get(key)
        if cached is None or not self._fresh(cached[0], now):
            cached = (now, await current_template(connection, key))
            self._templates[key] = cached
        return cached[1]

    async def _rulebook(self, connection: AsyncConnection, company_id: str, now: datetime) -> RuleBook:
        cached = self._rulebooks.get(company_id)
        if cached is None or not self._fresh(cached[0], now):
            cached = (now, await rulebook_for(connection, company_id))
            self._rulebooks[company_id] = cached
        return cached[1]

    async def on_notice(self, received: Notice, uow: UnitOfWork) -> None:
        connection, now = uow.connection, uow.clock.now()
        notice = await self._with_caller(connection, received)
        await connection.execute(insert_ignore(connection, notices, ["event_id"], {
            "event_id": notice.event_id, "event_type": notice.event_type, "case_id": notice.case_id,
            "company_id": notice.company_id, "received_at": now, "document": notice_document(notice)}))
        await self._track_resolution(connection, notice, now)
        rulebook = await self._rulebook(connection, notice.company_id, now)
        targets = rulebook.targets(notice)
        roles = list(dict.fromkeys(t.role for t in targets.by_role))
        recipients, waiting = await self._resolve(notice, roles)
        if waiting:
            self.waiting()
        for role, why in waiting.items():
            log.warning("%s of %s (case %s) not known yet, planned again later: %s", role, notice.event_id,
                        notice.case_number, why)
            await connection.execute(insert_ignore(connection, role_waits, ["event_id", "role"], {
                "event_id": notice.event_id, "role": str(role), "next_try_at": now + retry_delay(0), "attempts": 1,
                "last_error": why[:2000], "created_at": now}))
        extras = [_extra_recipient(notice, x) for x in targets.extra]
        await self._plan(uow, notice, targets, recipients, extras)

    async def _resolve(self, notice: Notice, roles: list[Role]) -> tuple[dict[Role, list[Recipient]], dict[Role, str]]:
        """The people of each role; the roles whose directory cannot be asked now, with why."""
        recipients: dict[Role, list[Recipient]] = {}
        waiting: dict[Role, str] = {}
        for role in roles:
            try:
                recipients[role] = await self._directory.resolve(role, notice)
            except DirectoryUnavailable as away:
                waiting[role] = str(away)
        return recipients, waiting

    async def _plan(self, uow: UnitOfWork, notice: Notice, targets: Targets, recipients: dict[Role, list[Recipient]],
                    extras: list[Recipient]) -> int:
        connection, now = uow.connection, uow.clock.now()
        plan = plan_deliveries(notice, targets, recipients, extras, now)
        for refusal in plan.refused:
            self.refused_total += 1
            log.warning("not telling %s of case %s (%s): %s", refusal.recipient.recipient_id, notice.case_number,
                        notice.company_id, refusal.reason)
        resolved = await self._is_resolved(connection, notice.case_id)
        rows = [await self._row(connection, d, now, resolved) for d in plan.deliveries]
        if not rows:
            return 0
        # the rows as executemany parameters of a statement compiled once (rows in .values() are compiled each time)
        inserted = (await connection.execute(prebuilt(connection, _new_deliveries), rows)).all()
        # a message that could not even be planned (no address, a broken template) is announced as failed
        for row in inserted:
            if row.state == DeliveryState.FAILED.value:
                emit_failed(uow, row, now)
        return len(inserted)

    async def plan_waiting_roles(self, uow: UnitOfWork, limit: int = 50) -> tuple[int, int]:
        """Roles that could not be resolved when their event came, whose time to ask again has come: planned
        now (the same delivery keys, so nothing twice), or asked again later with backoff. The deliveries
        planned, and how many roles still wait."""
        connection, now = uow.connection, uow.clock.now()
        query = (select(role_waits).where(role_waits.c.next_try_at <= now).order_by(role_waits.c.next_try_at)
                 .limit(limit))
        if is_postgres(connection):
            query = query.with_for_update(skip_locked=True)
        due: dict[str, list[Any]] = {}
        for wait in (await connection.execute(query)).all():
            due.setdefault(wait.event_id, []).append(wait)
        planned = 0
        for event_id, waits in due.items():
            of_event = select(notices.c.document).where(notices.c.event_id == event_id)
            document = (await connection.execute(of_event)).first()
            roles = [Role(w.role) for w in waits]
            if document is None:  # nothing to plan from (cannot happen: the notice is written with the wait)
                await connection.execute(delete(role_waits).where(role_waits.c.event_id == event_id))
                continue
            notice = notice_from_document(document.document)
            targets = (await self._rulebook(connection, notice.company_id, now)).targets(notice)
            recipients, waiting = await self._resolve(notice, roles)
            for wait in waits:
                role = Role(wait.role)
                where = (role_waits.c.event_id == event_id) & (role_waits.c.role == wait.role)
                if role in waiting:
                    await connection.execute(update(role_waits).where(where).values(
                        next_try_at=now + retry_delay(wait.attempts), attempts=wait.attempts + 1,
                        last_error=waiting[role][:2000]))
                else:
                    await connection.execute(delete(role_waits).where(where))
            known = Targets(tuple(t for t in targets.by_role if t.role in recipients))
            planned += await self._plan(uow, notice, known, recipients, [])
        left = (await connection.execute(select(func.count()).select_from(role_waits))).scalar_one()
        return planned, int(left)

    async def _with_caller(self, connection: AsyncConnection, notice: Notice) -> Notice:
        """Only the opening event names the caller, and SLA events name no assignee: both are taken from the
        case events notify received before."""
        if not (notice.caller.phone or notice.caller.email):
            row = (await connection.execute(select(notices.c.document).where(
                notices.c.case_id == notice.case_id, notices.c.event_type == "case.created"))).first()
            if row is not None:
                notice = replace(notice, caller=notice_from_document(row.document).caller)
        if not notice.assignee_id and not notice.event_type.startswith("case."):
            row = (await connection.execute(select(notices.c.document).where(
                notices.c.case_id == notice.case_id, notices.c.event_type.like("case.%"))
                .order_by(notices.c.received_at.desc()).limit(1))).first()
            if row is not None:
                notice = replace(notice, assignee_id=notice_from_document(row.document).assignee_id)
        return notice

    async def _track_resolution(self, connection: AsyncConnection, notice: Notice, now: datetime) -> None:
        if notice.event_type == "case.reopened":
            await connection.execute(delete(resolved_cases).where(resolved_cases.c.case_id == notice.case_id))
        if not notice.resolves_case:
            return
        await connection.execute(insert_ignore(connection, resolved_cases, ["case_id"],
                                            {"case_id": notice.case_id, "resolved_at": now}))
        # what waits for the morning about a case that is now resolved is no longer worth saying
        await connection.execute(
            update(deliveries)
            .where(deliveries.c.case_id == notice.case_id, deliveries.c.state == DeliveryState.HELD.value,
                   deliveries.c.urgent.is_(False), among(deliveries.c.event_type, RESOLVING_TYPES, negated=True))
            .values(state=DeliveryState.CANCELLED.value, updated_at=now,
                    last_error=f"case {notice.event_type.removeprefix('case.')} while the message was held"))

    async def _is_resolved(self, connection: AsyncConnection, case_id: str) -> bool:
        found = await connection.execute(select(resolved_cases.c.case_id).where(resolved_cases.c.case_id == case_id))
        return found.first() is not None

    async def _row(
        self, connection: AsyncConnection, d: PlannedDelivery, now: datetime, resolved: bool
    ) -> dict[str, Any]:
        n, r = d.notice, d.recipient
        state, error = d.state, d.failure
        if resolved and state is DeliveryState.HELD and not n.urgent and not n.resolves_case:
            state, error = DeliveryState.CANCELLED, "the case was resolved before the message could go"
        key = TemplateKey(n.event_type, d.channel, r.language)
        template = await self._template(connection, key, now)
        context = {**n.template_context(), "recipient_name": r.name, "console_url": self._settings.console_url}
        subject = text = html = ""
        segments = 0
        try:
            rendered = render(template, context)
            subject, text, html = rendered.subject, rendered.text, rendered.html
            segments = rendered.sms.segments if rendered.sms else 0
        except TemplateError as bad:
            state, error = DeliveryState.FAILED, f"template {key} v{template.version} does not render: {bad}"
        return {
            "id": d.delivery_id, "event_id": n.event_id, "event_type": n.event_type, "case_id": n.case_id,
            "case_number": n.case_number, "company_id": n.company_id, "region": n.region,
            "recipient_id": r.recipient_id, "recipient_name": r.name, "recipient_company_id": r.company_id,
            "role": str(d.role or ""), "channel": str(d.channel), "address": d.address, "language": r.language,
            "urgent": n.urgent, "state": state.value, "not_before": d.not_before, "hold_reason": d.hold_reason,
            "attempts": 0, "last_error": error, "provider": "", "provider_message_id": "",
            "template": str(key), "template_version": template.version, "subject": subject, "text": text,
            "html": html, "sms_segments": segments, "digest_id": None, "digest_of": 0, "resend_of": None,
            "receipt_rank": 0, "created_at": now, "updated_at": now, "sending_at": None, "sent_at": None,
            "delivered_at": None,
        }
