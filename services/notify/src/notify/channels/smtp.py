"""E-mail over SMTP (aiosmtplib): STARTTLS or implicit TLS, optional login; a 5xx reply is permanent."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosmtplib
from aftercare_platform.clock import Clock, SystemClock

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
    """Keeps up to `pool_size` authenticated connections open between messages (a connection, EHLO,
    STARTTLS and login per mail would cost more than the mail); an idle one older than `idle_seconds` is
    closed rather than trusted, since servers drop idle clients."""

    channel = Channel.EMAIL

    def __init__(self, config: SmtpConfig, name: str = "smtp", pool_size: int = 4, idle_seconds: float = 20.0,
                 clock: Clock | None = None) -> None:
        self.config, self.name = config, name
        self._pool_size, self._idle = pool_size, timedelta(seconds=idle_seconds)
        self._clock = clock or SystemClock()
        self._idle_clients: list[tuple[datetime, aiosmtplib.SMTP]] = []

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.config.security == "none":
            return None
        return ssl.create_default_context(cafile=self.config.ca_file or None)

    async def _connection(self) -> aiosmtplib.SMTP:
        while self._idle_clients:
            since, client = self._idle_clients.pop()
            if timedelta(0) <= self._clock.now() - since < self._idle and client.is_connected:
                return client
            client.close()
        c = self.config
        client = aiosmtplib.SMTP(
            hostname=c.host, port=c.port, use_tls=c.security == "tls", start_tls=c.security == "starttls",
            tls_context=self._tls_context(), username=c.username or None, password=c.password or None,
            timeout=c.timeout_seconds)
        await client.connect()
        return client

    async def send(self, message: Outgoing) -> Accepted:
        c = self.config
        mail = compose(sender=c.sender, to=message.address, subject=message.subject, text=message.text,
                       html=message.html, case_id=message.case_id, delivery_id=message.delivery_id,
                       domain=c.domain, reply_to=c.reply_to)
        client: aiosmtplib.SMTP | None = None
        try:
            client = await self._connection()
            await client.send_message(mail, sender=c.bounce_address, recipients=[message.address])
        except aiosmtplib.SMTPRecipientsRefused as refused:
            self._discard(client)  # the half-done transaction goes with the connection
            codes = [r.code for r in refused.recipients]
            if all(400 <= code < 500 for code in codes):
                raise TransientFailure(self.name, f"recipient deferred: {refused}") from refused
            raise PermanentFailure(self.name, f"recipient refused: {refused}") from refused
        except aiosmtplib.SMTPResponseException as reply:
            self._discard(client)
            failure = PermanentFailure if reply.code >= 500 else TransientFailure
            raise failure(self.name, f"{reply.code} {reply.message}") from reply
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as down:
            self._discard(client)
            # connection refused, TLS handshake, timeout: the server may be back in a minute
            raise TransientFailure(self.name, f"{type(down).__name__}: {down}", maybe_accepted=isinstance(
                down, aiosmtplib.SMTPServerDisconnected)) from down
        self._keep(client)
        return Accepted(self.name, str(mail["Message-ID"]))

    def _keep(self, client: aiosmtplib.SMTP | None) -> None:
        if client is None:
            return
        if len(self._idle_clients) < self._pool_size and client.is_connected:
            self._idle_clients.append((self._clock.now(), client))
        else:
            client.close()

    def _discard(self, client: aiosmtplib.SMTP | None) -> None:
        if client is not None:
            client.close()

    async def close(self) -> None:
        idle, self._idle_clients = self._idle_clients, []
        for _, client in idle:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()
