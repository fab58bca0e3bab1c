"""A real local SMTP server for tests and benchmarks (aiosmtpd, imported when started): records what
arrived, refuses chosen recipients, can stop and start again (an outage), with STARTTLS and AUTH."""

from __future__ import annotations

import contextlib
import email
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any


@dataclass
class ReceivedMail:
    envelope_from: str
    recipients: list[str]
    message: Message
    # when the server accepted it (time.monotonic), for benchmarks
    at: float = 0.0


@dataclass
class MailBox:
    mails: list[ReceivedMail] = field(default_factory=list)

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.mails if address in m.recipients]


class _Handler:
    def __init__(self, box: MailBox, refuse: set[str]) -> None:
        self.box, self.refuse = box, refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos),
                                           email.message_from_bytes(envelope.original_content or envelope.content),
                                           time.monotonic()))
        return "250 Message accepted for delivery"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class SmtpServer:
    """aiosmtpd on a fixed port that can be stopped and started again (an outage), with STARTTLS and AUTH
    when given a certificate and credentials."""

    def __init__(self, port: int, *, cert: tuple[Path, Path] | None = None,
                 credentials: tuple[str, str] | None = None) -> None:
        self.port, self.box, self.refuse = port, MailBox(), set[str]()
        self._cert, self._credentials = cert, credentials
        self._controller: Any = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self._credentials is not None and (
            auth_data.login.decode(), auth_data.password.decode()) == self._credentials
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        kwargs: dict[str, Any] = {}
        if self._cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self._cert[0]), str(self._cert[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if self._credentials is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(_Handler(self.box, self.refuse), hostname="127.0.0.1", port=self.port,
                                      **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextlib.contextmanager
def certificate() -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory() as directory:
        yield self_signed_certificate(Path(directory))
