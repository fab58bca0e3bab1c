"""The intake pipeline: every channel's request goes through here, in one transaction.

identify (contact → company → site, asset → contract) → entitlement (warranty with the downtime
extension) → route (quoted case / repeated alarm / duplicate / new) → priority suggestion → the
durable submission row, written with its idempotency key. After commit the deliverer hands it
to cases; a synchronous channel waits briefly so it can answer with the case number (its row is
written leased to this replica and delivered at once, not by the pump's next round)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aftercare_platform.db.statements import is_postgres, transaction_lock
from aftercare_platform.db.unit_of_work import Database, UnitOfWork
from aftercare_platform.errors import InvalidArgument, PermissionDenied
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.adapters import case_index, submissions
from intake.adapters.attachment_storage import AttachmentStorage
from intake.adapters.candidates import KeyClaim, load_candidates
from intake.adapters.receipts import Receipt, load
from intake.adapters.submissions import State, Submission
from intake.domain.case_plan import Caller, caller_for, plan_case
from intake.domain.duplicates import DuplicateRule, OpenCase
from intake.domain.identification import Identification, device_lock, identify
from intake.domain.intake_request import AttachmentRef, IntakeRequest
from intake.domain.priority import PrioritySuggestion, suggest_priority
from intake.domain.routing import Outcome, Route, route
from intake.domain.sender_rights import NoteTrust, QuotedCase, quoted_note_trust
from intake.domain.warranty import CHINA_TIME, EntitlementDecision, entitlement


class _KeyHeld(Exception):
    """The idempotency key is another receipt's: the submission is a retransmission."""


class DeliveryTrigger(Protocol):
    def wake(self) -> None: ...

    async def attempt_now(self, receipt_id: str, wait_seconds: float) -> None: ...

    def lease_until(self, now: datetime) -> datetime: ...

    async def deliver_leased(self, submission: Submission, wait_seconds: float) -> Submission | None: ...


@dataclass(frozen=True)
class Upload:
    """Attachment bytes as a channel received them."""

    filename: str
    content_type: str
    data: bytes
    note: str | None = None  # kept, but marked (a damaged attachment)


@dataclass(frozen=True)
class Submitted:
    receipt: Receipt
    replayed: bool  # the idempotency key was seen before: this is the first submission's receipt


def idempotency_key(request: IntakeRequest) -> tuple[str, str] | None:
    """(scope, key) that makes a retransmission the same submission; None when the channel has none."""
    key = request.partner_request_id or request.channel_message_id
    return (f"{request.channel.value}:{request.partner_id or ''}", key) if key else None


def _identification(found: Identification, entitled: EntitlementDecision, suggestion: PrioritySuggestion,
                    routed: Route) -> dict[str, Any]:
    return {
        "company_id": found.company.company_id if found.company else None,
        "contact_id": found.contact.contact_id if found.contact else None,
        "contract_id": found.contract.contract_id if found.contract else None,
        "site_id": found.site.site_id if found.site else None,
        "asset_serial_number": found.asset.serial_number if found.asset else None,
        "asset_manufacturer": found.asset.manufacturer if found.asset else None,
        "region": found.region,
        "unidentified": found.unidentified,
        "not_entitled": entitled.entitlement.value != "in_warranty",
        "entitlement": entitled.entitlement.value,
        "entitlement_reason": entitled.reason,
        "suggested_priority": suggestion.priority.value,
        "priority_reason": suggestion.reason,
        "folded_reason": routed.reason if routed.outcome is not Outcome.NEW_CASE else None,
        "notes": list(found.notes),
    }


async def _quoted_case(connection: AsyncConnection, case_number: str) -> QuotedCase | None:
    known = await case_index.find_by_number(connection, case_number)
    if known is None:
        return None
    return QuotedCase(known.case_number, known.company_id, known.caller_email, known.caller_phone, known.reported_by)


class IntakePipeline:
    def __init__(self, database: Database, storage: AttachmentStorage, delivery: DeliveryTrigger, *,
                 region: str, duplicate_rule: DuplicateRule, submit_wait_seconds: float,
                 alarm_fold_seconds: float = 0.0) -> None:
        self._db = database
        self._storage = storage
        self._delivery = delivery
        self._region = region
        self._rule = duplicate_rule
        self._wait = submit_wait_seconds
        self._fold_delay = timedelta(seconds=alarm_fold_seconds)

    async def _store(self, request: IntakeRequest, uploads: Sequence[Upload]) -> IntakeRequest:
        if not uploads:
            return request
        refs: list[AttachmentRef] = []
        for upload in uploads:
            key = await self._storage.put(upload.data)
            ref = AttachmentRef.model_validate({
                "filename": upload.filename or "attachment", "content_type": upload.content_type or
                "application/octet-stream", "size_bytes": len(upload.data),
                "sha256": key.rsplit("/", 1)[-1], "storage_key": key, "note": upload.note})
            refs.append(ref)
        return request.with_attachments(tuple(refs))

    async def submit(self, request: IntakeRequest, uploads: Sequence[Upload] = (), *, wait: bool = True,
                     company_scope: frozenset[str] | None = None) -> Submitted:
        """`company_scope`: a partner key's companies; a report it makes about another company is refused."""
        key = idempotency_key(request)
        # a replay stores its attachments again: content-addressed, so that is one copy still
        request = await self._store(request, uploads)
        receipt_id = str(uuid.uuid4())
        # a caller that waits for the case number has its submission delivered right here, leased in
        # the transaction that writes it; the rest (and a note waiting for its case) go by the pump. A repeated
        # alarm is answered at once (it names its case already) and goes by the pump with the case's other
        # repeats, as one note (domain.note_batches)
        waiting = wait and self._wait > 0
        try:
            written, leased = await self._write(request, receipt_id, company_scope, waiting, key)
        except _KeyHeld:  # rolled back: another receipt has this key (a retransmission)
            assert key is not None
            seen = await self._seen(key)
            if seen is None:  # pragma: no cover - the key's holder committed, so it is there
                raise RuntimeError(f"idempotency key {key} held by no receipt") from None
            return Submitted(seen, replayed=True)
        attempted = None
        folded = written.outcome == Outcome.ALARM_FOLDED.value
        if leased:  # delivered right here
            attempted = await self._delivery.deliver_leased(written, self._wait)
        elif not folded:  # a repeated alarm is not due yet: the pump's poll finds it when it is
            self._delivery.wake()
            if waiting:
                await self._delivery.attempt_now(receipt_id, self._wait)
        # the attempt's recorded outcome is the receipt; read it back only when the attempt did not end in time
        receipt = (Receipt.of(attempted) if attempted is not None else Receipt.of(written) if folded
                   else await load(self._db, receipt_id))
        assert receipt is not None
        return Submitted(receipt, replayed=False)

    async def _seen(self, key: tuple[str, str]) -> Receipt | None:
        async with self._db.reading() as connection:
            receipt_id = await submissions.receipt_for_key(connection, *key)
        return await load(self._db, receipt_id) if receipt_id else None

    async def _write(self, request: IntakeRequest, receipt_id: str, company_scope: frozenset[str] | None,
                     lease: bool, key: tuple[str, str] | None) -> tuple[Submission, bool]:
        """Decide and write the submission. On PostgreSQL a report is first decided on reads with no transaction
        around them, and written with its key claimed by one statement: two round trips for a report naming no
        device, not four; three for a repeated alarm folding into its device's case, not five. A report that would
        open a device's case is decided again in a transaction holding the device's lock from its first read, so
        two reports of one device never open two cases (the second waits, then sees the first)."""
        if is_postgres(self._db.engine):
            async with self._db.unit_of_work(single_statement=True) as uow:
                decided = await self._decide(uow, request, receipt_id, company_scope, lease=lease, key=key,
                                             unlocked=True)
            if decided is not None:
                return decided
        async with self._db.unit_of_work() as uow:
            decided = await self._decide(uow, request, receipt_id, company_scope, lease=lease, key=key)
        assert decided is not None  # only an unlocked decision gives up
        return decided

    async def _decide(self, uow: UnitOfWork, request: IntakeRequest, receipt_id: str,
                      company_scope: frozenset[str] | None, *, lease: bool = False, key: tuple[str, str] | None,
                      unlocked: bool = False) -> tuple[Submission, bool] | None:
        """Claim the key and decide and write the submission, returned as written and whether it is leased: with
        `lease`, written leased to this replica, unless it is a note that waits for its case to be opened or a
        repeated alarm (both go by the pump). Raises `_KeyHeld` when another receipt holds the key (before
        anything was decided, or, `unlocked`, when writing). `unlocked` (no transaction, PostgreSQL): None when
        the report would open a case for a device, which needs the device's lock."""
        connection = uow.connection
        claim = KeyClaim(*key, receipt_id, uow.clock.now()) if key is not None else None
        # concurrent repeats of one alarm make one case: one lock per device, taken by the candidates' statement
        # when the report names the device's serial (the usual alarm), else by a statement of its own
        named = device_lock(request.hints.device)
        candidates = await (load_candidates(connection, request) if unlocked
                            else load_candidates(connection, request, claim, lock=named))
        if candidates is None:
            raise _KeyHeld()
        found = identify(request, candidates, self._region)
        if company_scope is not None and found.company is not None and "*" not in company_scope \
                and found.company.company_id not in company_scope:
            raise PermissionDenied(f"this key may not report for company {found.company.company_id}")
        if found.device_lock is not None and found.device_lock != named and not unlocked:  # found, not named
            await transaction_lock(connection, found.device_lock)
        open_cases: list[OpenCase] = []
        if found.asset_key is None:  # no device: no open case to fold into, the contract's downtime came along
            downtime = list(candidates.contract_downtime.get(found.contract.contract_id, ()) if found.contract else ())
        else:  # the asset's open cases (after the lock, if taken: what a concurrent repeat opened is seen), downtime
            open_cases, downtime = await case_index.open_cases_and_downtime(
                connection, asset_key=found.asset_key, downtime_asset=found.asset.key if found.asset else None,
                contract_id=found.contract.contract_id if found.contract else None,
                whole_contract=found.asset is None)
        routed = route(request, found.asset_key, open_cases, self._rule)
        if unlocked and found.device_lock is not None and routed.outcome is Outcome.NEW_CASE:
            return None  # folding into what exists needs no lock; opening a device's case does
        trust, case_company = NoteTrust.VERIFIED, None
        if routed.outcome is Outcome.NOTE_ON_QUOTED_CASE and routed.target_case_number:
            quoted = await _quoted_case(connection, routed.target_case_number)
            trust = quoted_note_trust(request, found, quoted, company_scope)
            case_company = quoted.company_id if quoted else None
        zone = ZoneInfo(found.site.time_zone) if found.site else CHINA_TIME
        entitled = entitlement(found.asset, found.contract, downtime, request.received_at.astimezone(zone).date(), zone)
        suggestion = suggest_priority(request.category, request.kind, request.stated_severity)
        company_contacts = candidates.company_contacts.get(found.company.company_id, ()) if found.company else ()
        try:
            caller = caller_for(request, found, company_contacts)
        except InvalidArgument:
            if not routed.outcome.adds_note:
                raise
            caller = Caller()
        plan = plan_case(request, found, entitled, suggestion, routed, caller, trust, case_company)
        now = uow.clock.now()
        leased = lease and routed.target_receipt_id is None and routed.outcome is not Outcome.ALARM_FOLDED
        row: dict[str, Any] = {
            "receipt_id": receipt_id, "channel": request.channel.value, "outcome": routed.outcome.value,
            "state": State.PENDING.value, "request": request.model_dump(mode="json"), "plan": plan.to_json(),
            "identification": _identification(found, entitled, suggestion, routed),
            "target_case_number": routed.target_case_number, "target_receipt_id": routed.target_receipt_id,
            "asset_key": found.asset_key, "alarm_code": request.alarm_code, "partner_id": request.partner_id,
            "attempts": 0,
            # a repeated alarm waits for the repeats that come meanwhile (the pump then takes them all together)
            "next_attempt_at": now + self._fold_delay if routed.outcome is Outcome.ALARM_FOLDED
            else now - timedelta(seconds=1),
            "claimed_until": self._delivery.lease_until(now) if leased else None,
            "last_error": None, "case_id": None, "case_number": None, "received_at": request.received_at,
            "submitted_at": None, "note_batch": None,
        }
        if unlocked and claim is not None:
            if not await submissions.insert_claiming(connection, row, claim.scope, claim.key, claim.at):
                raise _KeyHeld()
        else:
            await submissions.insert(connection, row)
        return Submission.of(row), leased
