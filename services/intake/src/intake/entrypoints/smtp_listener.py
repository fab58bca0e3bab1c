"""The inbound SMTP listener (aiosmtpd) for the support address, as a Component of the service.

Every message is answered, never crashes the listener: a report or reply becomes a submission
(250 once it is durably kept); an auto-reply or bounce is recorded and dropped with 250 (answering
it would start a mail loop); a message that cannot be read is recorded as `intake.rejected` (250,
so no backscatter goes to a forged sender), except an oversized one, refused with 552; when intake
itself cannot keep the message (database down) it answers 451 and the sending server retries."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aftercare_platform.clock import Clock
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.errors import InvalidArgument
from aiosmtpd.smtp import SMTP, Envelope, Session

from intake.domain.vocabulary import Channel
from intake.handlers import rejections
from intake.handlers.pipeline import IntakePipeline, Upload
from intake.parsing.email_parser import parse_inbound_email
from intake.parsing.email_rejected import SIZE_REASONS, EmailRejected
from intake.parsing.mime_parts import EmailLimits

log = logging.getLogger(__name__)


def _envelope_sender(envelope: Envelope) -> str | None:
    sender = envelope.mail_from
    if sender is None:
        return None
    return "" if sender.strip() in ("", "<>") else sender.strip()


class InboundMailHandler:
    """aiosmtpd's handler: `handle_DATA` is called once per message, on the service's event loop."""

    def __init__(self, database: Database, pipeline: IntakePipeline, clock: Clock, *, limits: EmailLimits,
                 region: str) -> None:
        self._db = database
        self._pipeline = pipeline
        self._clock = clock
        self._limits = limits
        self._region = region

    async def _reject(self, reason: str, detail: str, *, sender: str | None, message_id: str | None = None,
                      field: str | None = None) -> None:
        await rejections.record(self._db, rejections.Rejection(
            Channel.EMAIL, reason, detail, self._clock.now(), field=field, sender=sender,
            channel_message_id=message_id), self._region)

    async def record_protocol_refusal(self, status: str, sender: str | None) -> None:
        code = status.split(" ", 1)[0]
        await self._reject(f"smtp_{code}", status.strip()[:500], sender=sender, field="smtp")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8", errors="surrogateescape")
        sender = _envelope_sender(envelope)
        try:
            try:
                mail = parse_inbound_email(data, received_at=self._clock.now(), envelope_sender=sender,
                                           limits=self._limits)
            except EmailRejected as rejected:
                await self._reject(rejected.reason.value, rejected.detail, sender=sender, field="email")
                if rejected.reason in SIZE_REASONS:
                    return f"552 5.3.4 {rejected.detail}"[:500]
                if rejected.automated:
                    return "250 2.0.0 OK: automated message recorded, not answered"
                return "250 2.0.0 OK: recorded; it could not be read as a report"
            # the raw message is not needed past parsing: it is not held while the parts are stored
            envelope.content = envelope.original_content = None
            del raw, data
            uploads = [Upload(a.filename, a.content_type, a.data, a.note) for a in mail.attachments]
            try:
                done = await self._pipeline.submit(mail.request, uploads, wait=False)
            except InvalidArgument as invalid:
                await self._reject("invalid_request", invalid.detail, sender=sender, message_id=mail.message_id)
                return "250 2.0.0 OK: recorded; it could not be read as a report"
            return f"250 2.0.0 OK: received as {done.receipt.receipt_id}"
        except Exception:
            log.exception("inbound mail could not be kept; the sending server will retry")
            return "451 4.3.0 temporary failure, please try again later"


# at most this many refusals recorded per connection: a scanner's junk must not flood the table
_RECORDED_PER_CONNECTION = 5
# what handle_DATA answers itself: 451 (nothing could be recorded), 552 5.3.4 (recorded there already)
_HANDLER_ANSWERS = ("451 4.3.0", "552 5.3.4")


class RecordingSMTP(SMTP):  # type: ignore[misc]
    """aiosmtpd's SMTP, recording every refusal it answers at the protocol level (SIZE, syntax, a
    message over the limit, a command out of order) as a rejection with its reason, like the ones
    the handler records, so a desk sees them too."""

    def __init__(self, handler: InboundMailHandler, **options: Any) -> None:
        super().__init__(handler, **options)
        self._recording = handler
        self._recorded = 0

    async def push(self, status: Any) -> None:
        await super().push(status)
        text = status.decode("utf-8", errors="replace") if isinstance(status, bytes) else str(status)
        # 451 is intake's own "could not keep it" (nothing to record with); the handler records its own
        if text[:1] in "45" and not text.startswith(_HANDLER_ANSWERS) and self._recorded < _RECORDED_PER_CONNECTION:
            self._recorded += 1
            envelope = getattr(self, "envelope", None)
            sender = _envelope_sender(envelope) if envelope is not None else None
            try:
                await self._recording.record_protocol_refusal(text, sender)
            except Exception:
                log.exception("an SMTP refusal could not be recorded")


class SmtpListener:
    """A Component: listens on (host, port); stop() stops accepting and closes the listener."""

    name = "smtp"

    def __init__(self, handler: InboundMailHandler, *, host: str, port: int, max_message_bytes: int,
                 hostname: str = "aftercare-intake") -> None:
        self._handler = handler
        self._host, self._port = host, port
        self._limit = max_message_bytes
        self._hostname = hostname
        self._server: asyncio.base_events.Server | None = None
        self.port = port

    def _protocol(self) -> Any:
        return RecordingSMTP(self._handler, data_size_limit=self._limit, enable_SMTPUTF8=True, decode_data=False,
                    hostname=self._hostname, ident="Aftercare intake", timeout=60)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, host=self._host, port=self._port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("smtp listener started", extra={"smtp_port": self.port})

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        log.info("smtp listener stopped", extra={"smtp_port": self.port})
