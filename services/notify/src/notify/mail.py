"""E-mail composition: multipart text + HTML that threads back into intake and starts no mail loop."""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate

# RFC 3834 and the common vendor headers that mark a message as automatic
_AUTO_HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress")
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_NEVER_ANSWER = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@.-]|$)", re.I)


def is_automatic(headers: Mapping[str, str]) -> bool:
    """A bounce or auto-reply: never answered, so two robots never write to each other forever."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("auto-submitted", "no").strip().lower() != "no":
        return True
    if any(h in lowered for h in _AUTO_HEADERS[1:3]):
        return True
    if lowered.get("precedence", "").strip().lower() in _BULK_PRECEDENCE:
        return True
    if lowered.get("content-type", "").lower().startswith("multipart/report"):
        return True
    return not lowered.get("return-path", "x").strip("<> ")  # a null sender: a bounce


def never_answer(address: str) -> bool:
    """Addresses that are robots by name (MAILER-DAEMON, noreply@...): no acknowledgement goes to them."""
    return bool(_NEVER_ANSWER.match(address.strip()))


def thread_id(case_id: str, domain: str) -> str:
    """The Message-ID every message about one case refers to, so mail clients and intake keep one thread."""
    return f"<case-{case_id}@{domain}>"


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    case_id: str,
    delivery_id: str,
    domain: str,
    reply_to: str = "",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # derived from the delivery key: a resend after a crash carries the same id, which mail systems deduplicate
    message["Message-ID"] = f"<{delivery_id}@{domain}>"
    if case_id:
        message["In-Reply-To"] = thread_id(case_id, domain)
        message["References"] = thread_id(case_id, domain)
    if reply_to:
        message["Reply-To"] = reply_to
    # RFC 3834: automatic; and ask Exchange not to answer with out-of-office
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Aftercare-Delivery"] = delivery_id
    message.set_content(text)
    message.add_alternative(html or f"<pre>{_escape(text)}</pre>", subtype="html")
    return message


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
