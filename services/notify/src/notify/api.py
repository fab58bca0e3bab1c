"""What both edges (gRPC and HTTP) offer, with the access rules in one place.

Staff see deliveries within their regions; a customer (or partner) sees only deliveries sent to its own
company's contacts about its own company's cases. Resend is for agents, supervisors and admins;
templates, rules and the staff directory are changed by admins.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftercare_platform.auth.access import scope_of
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from aftercare_platform.languages import Language
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from notify.adapters.catalog import current_template, save_template, saved_keys
from notify.adapters.notices import notice_from_document
from notify.adapters.rulebook_store import overrides, save_override
from notify.adapters.staff_directory import StaffDirectory
from notify.adapters.tables import deliveries, notices, receipts, resend_requests
from notify.default_templates import PHRASES
from notify.domain.keys import delivery_key
from notify.domain.rules import DEFAULT_RULES, CompanyOverride, Rule
from notify.domain.vocabulary import Channel, DeliveryState
from notify.settings import StaffSeed
from notify.templating import SAMPLE_NOTICE, MessageTemplate, Rendered, TemplateKey, check

MAX_PAGE = 200
RESENDERS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
READERS_OF_SETUP = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.SYSTEM)


@dataclass(frozen=True)
class DeliveryView:
    row: Any
    receipts: list[Any]


def _need(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise PermissionDenied(f"this needs one of the roles: {', '.join(r.value for r in roles)}")


def _visible(principal: Principal) -> Any:
    scope = scope_of(principal)
    conditions = []
    if scope.companies is not None:
        companies = sorted(scope.companies)
        # their own company's cases, told to their own company's contacts: never what staff were told
        conditions += [deliveries.c.company_id.in_(companies), deliveries.c.recipient_company_id.in_(companies)]
    if scope.regions is not None:
        conditions.append(deliveries.c.region.in_(sorted(scope.regions)))
    return and_(*conditions) if conditions else None


def _token(row: Any) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode()


def _after(token: str) -> Any:
    try:
        at, _, key = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        created = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidArgument.for_field("page.page_token", "is not a token this service issued") from None
    return or_(deliveries.c.created_at < created, and_(deliveries.c.created_at == created, deliveries.c.id < key))


class NotifyApi:
    def __init__(self, database: Database, staff: StaffDirectory, sms_budget: int) -> None:
        self._db, self._staff, self._sms_budget = database, staff, sms_budget

    # ---- deliveries ----------------------------------------------------------------------------

    async def list_deliveries(self, principal: Principal, case_id: str, recipient_id: str, page_size: int,
                              page_token: str) -> tuple[list[Any], str]:
        if principal.is_staff and not (case_id or recipient_id):
            raise InvalidArgument.for_field("case_id", "name a case_id or a recipient_id")
        size = min(page_size or 50, MAX_PAGE)
        query = select(deliveries)
        if (visible := _visible(principal)) is not None:
            query = query.where(visible)
        if case_id:
            query = query.where(deliveries.c.case_id == case_id)
        if recipient_id:
            query = query.where(deliveries.c.recipient_id == recipient_id)
        if page_token:
            query = query.where(_after(page_token))
        query = query.order_by(deliveries.c.created_at.desc(), deliveries.c.id.desc()).limit(size + 1)
        async with self._db.unit_of_work() as uow:
            rows = (await uow.connection.execute(query)).all()
        return list(rows[:size]), _token(rows[size - 1]) if len(rows) > size else ""

    async def get_delivery(self, principal: Principal, delivery_id: str) -> DeliveryView:
        query = select(deliveries).where(deliveries.c.id == delivery_id)
        if (visible := _visible(principal)) is not None:
            query = query.where(visible)
        async with self._db.unit_of_work() as uow:
            row = (await uow.connection.execute(query)).first()
            if row is None:
                raise NotFound(f"delivery {delivery_id} not found")
            found = (await uow.connection.execute(
                select(receipts).where(receipts.c.delivery_id == delivery_id).order_by(receipts.c.id))).all()
        return DeliveryView(row, list(found))

    async def resend(self, principal: Principal, delivery_id: str, request_id: str, reason: str) -> DeliveryView:
        _need(principal, *RESENDERS)
        if not request_id:
            raise InvalidArgument.for_field("request_id", "is required, so a retried Resend sends once")
        original = (await self.get_delivery(principal, delivery_id)).row
        if original.event_type == "digest":
            raise InvalidArgument.for_field("delivery_id", "a digest is not resent; resend its messages")
        key = delivery_key(f"resend:{principal.subject}:{request_id}", original.recipient_id, original.channel)
        async with self._db.unit_of_work() as uow:
            now = uow.clock.now()
            known = (await uow.connection.execute(select(resend_requests.c.delivery_id).where(
                resend_requests.c.caller == principal.subject, resend_requests.c.request_id == request_id))).first()
            if known is None:
                await uow.connection.execute(resend_requests.insert().values(
                    caller=principal.subject, request_id=request_id, delivery_id=key))
                copy = {c.name: getattr(original, c.name) for c in deliveries.c}
                copy.update(id=key, state=DeliveryState.PENDING.value, not_before=now, hold_reason="", attempts=0,
                            last_error=f"resend: {reason}" if reason else "", provider="", provider_message_id="",
                            digest_id=None, resend_of=original.id, receipt_rank=0, created_at=now, updated_at=now,
                            sending_at=None, sent_at=None, delivered_at=None, urgent=True)
                await uow.connection.execute(deliveries.insert().values(**copy))
        return await self.get_delivery(principal, known.delivery_id if known else key)

    # ---- templates ---------------------------------------------------------------------------

    async def preview(self, principal: Principal, key: TemplateKey, event_id: str,
                      draft: MessageTemplate | None) -> Rendered:
        _need(principal, *READERS_OF_SETUP)
        async with self._db.unit_of_work() as uow:
            template = draft or await current_template(uow.connection, key)
            context = SAMPLE_NOTICE.template_context()
            if event_id:
                found = select(notices.c.document).where(notices.c.event_id == event_id)
                row = (await uow.connection.execute(found)).first()
                if row is None:
                    raise NotFound(f"event {event_id} was never received by notify")
                context = notice_from_document(row.document).template_context()
        # a draft or a stored template: rendered strictly, so a name the event lacks is pointed out
        context.setdefault("recipient_name", "")
        for name in ("console_url", "link", "opt_out_link", "comment", "planned_on", "scheduled_on", "warning_label",
                     "deadline", "reason"):
            context.setdefault(name, "")
        return check(template, sms_budget=100, context=context)

    async def save_template(self, principal: Principal, template: MessageTemplate) -> MessageTemplate:
        _need(principal, Role.ADMIN)
        check(template, self._sms_budget)
        try:
            async with self._db.unit_of_work() as uow:
                return await save_template(uow.connection, template, principal.subject, uow.clock.now())
        except IntegrityError:
            raise AlreadyExists("another version of this template was saved at the same moment; try again") from None

    async def list_templates(self, principal: Principal, event_type: str) -> list[MessageTemplate]:
        _need(principal, *READERS_OF_SETUP)
        async with self._db.unit_of_work() as uow:
            keys = {TemplateKey(t, ch, lang.value) for t in PHRASES for ch in Channel for lang in Language}
            keys |= set(await saved_keys(uow.connection))
            chosen = sorted((k for k in keys if not event_type or k.event_type == event_type), key=str)
            return [await current_template(uow.connection, k) for k in chosen]

    # ---- rules and directory -------------------------------------------------------------------

    async def rules(self, principal: Principal) -> tuple[list[Rule], list[CompanyOverride]]:
        _need(principal, *READERS_OF_SETUP)
        async with self._db.unit_of_work() as uow:
            return list(DEFAULT_RULES), await overrides(uow.connection)

    async def set_override(self, principal: Principal, override: CompanyOverride) -> CompanyOverride:
        _need(principal, Role.ADMIN)
        if not override.company_id:
            raise InvalidArgument.for_field("override.company_id", "is required")
        if override.event_type != "*" and override.event_type not in {r.event_type for r in DEFAULT_RULES}:
            raise InvalidArgument.for_field("override.event_type", "must be '*' or an event type with a rule")
        async with self._db.unit_of_work() as uow:
            await save_override(uow.connection, override)
        return override

    async def set_staff(self, principal: Principal, member: StaffSeed) -> StaffSeed:
        _need(principal, Role.ADMIN)
        if not member.staff_id:
            raise InvalidArgument.for_field("member.staff_id", "is required")
        try:
            await self._staff.save(member)
        except ValueError as bad:
            raise InvalidArgument.for_field("member.quiet_hours", str(bad)) from None
        return member
