"""E-mail over SMTP (aiosmtplib): STARTTLS or implicit TLS, optional login; a 5xx reply is permanent."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import aiosmtplib

from notify.channels.base import Accepted, Outgoing, PermanentFailure, TransientFailure
from notify.domain.vocabulary import Channel
from notify.mail import compose


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "starttls"  # "starttls" (when offered), "tls" (implicit, port 465) or "none"
    username: str = ""
    password: str = ""
    sender: str = "Aftercare <noreply@aftercare.example>"
    # the envelope sender: bounces go here, never to a person who might answer them
    bounce_address: str = "bounces@aftercare.example"
    reply_to: str = ""  # intake's mailbox, so a reply becomes a note on the case
    domain: str = "aftercare.example"
    timeout_seconds: float = 10.0
    ca_file: str = ""  # a private CA, e.g. the test server's


class SmtpSender:
    channel = Channel.EMAIL

    def __init__(self, config: SmtpConfig, name: str = "smtp") -> None:
        self.config, self.name = config, name

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.config.security == "none":
            return None
        return ssl.create_default_context(cafile=self.config.ca_file or None)

    async def send(self, message: Outgoing) -> Accepted:
        c = self.config
        mail = compose(sender=c.sender, to=message.address, subject=message.subject, text=message.text,
                       html=message.html, case_id=message.case_id, delivery_id=message.delivery_id,
                       domain=c.domain, reply_to=c.reply_to)
        try:
            await aiosmtplib.send(
                mail,
                sender=c.bounce_address,
                recipients=[message.address],
                hostname=c.host,
                port=c.port,
                use_tls=c.security == "tls",
                start_tls=True if c.security == "starttls" else False,
                tls_context=self._tls_context(),
                username=c.username or None,
                password=c.password or None,
                timeout=c.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = [r.code for r in refused.recipients]
            if all(400 <= code < 500 for code in codes):
                raise TransientFailure(self.name, f"recipient deferred: {refused}") from refused
            raise PermanentFailure(self.name, f"recipient refused: {refused}") from refused
        except aiosmtplib.SMTPResponseException as reply:
            failure = PermanentFailure if reply.code >= 500 else TransientFailure
            raise failure(self.name, f"{reply.code} {reply.message}") from reply
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as down:
            # connection refused, TLS handshake, timeout: the server may be back in a minute
            raise TransientFailure(self.name, f"{type(down).__name__}: {down}", maybe_accepted=isinstance(
                down, aiosmtplib.SMTPServerDisconnected)) from down
        return Accepted(self.name, str(mail["Message-ID"]))

    async def close(self) -> None:
        return None
