"""Recognising mail written by machines: auto-replies and bounces never open cases.

Answering them would start mail loops (our acknowledgement → their out-of-office → ...), so
the signals are generous: RFC 3834 `Auto-Submitted`, the vendor headers (`X-Autoreply`,
`X-Autorespond`), `Precedence: bulk/auto_reply/junk`, RFC 3464/8098 reports
(`multipart/report`), the null or MAILER-DAEMON sender, and the subjects clients use in
English and Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum


class Automated(StrEnum):
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


_AUTO_REPLY_SUBJECT = re.compile(
    r"""^\s*\[?\s*(auto(matic)?[\s_-]*(reply|response|answer)|autoreply|out\s+of\s+(the\s+)?office
        |ooo\b|vacation\s+(reply|notice)|abwesenheitsnotiz|r[ée]ponse\s+automatique
        |自动回复|自動回覆|自動回复|自动答复|自動答覆|自动应答|不在办公室)""",
    re.IGNORECASE | re.VERBOSE,
)
# Anchored, specific phrases only: a customer's own subject ("delivery of spare parts failed") must not match.
_BOUNCE_SUBJECT = re.compile(
    r"""^\s*(undeliverable|undelivered\s+mail|delivery\s+status\s+notification
        |mail\s+delivery\s+(failed|failure|system|subsystem)|returned\s+mail\s*:|failure\s+notice
        |message\s+not\s+delivered|系统退信|系統退信|退信\s*[:：]|邮件投递失败|投遞失敗|邮件无法送达|未能送达)""",
    re.IGNORECASE | re.VERBOSE,
)
_DAEMON_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_AUTO_PRECEDENCE = {"bulk", "auto_reply", "auto-reply", "junk"}


def classify_automated(
    headers: Mapping[str, str],
    content_type: str,
    sender_address: str | None,
    subject: str,
    envelope_sender: str | None = None,
) -> tuple[Automated, str] | None:
    """(kind, why) when the message was written by a machine, else None.

    `headers` maps lower-cased header names to decoded values; `envelope_sender` is the SMTP
    `MAIL FROM` when known ("" is the null sender that bounces use)."""
    if content_type == "multipart/report":
        return Automated.BOUNCE, "multipart/report (delivery or disposition notification)"
    if envelope_sender == "":
        return Automated.BOUNCE, "null envelope sender"
    for address in (sender_address, envelope_sender, headers.get("return-path", "").strip(" <>")):
        if address and _DAEMON_SENDERS.match(address):
            return Automated.BOUNCE, f"sent by {address}"
    if headers.get("return-path", "").strip() == "<>":
        return Automated.BOUNCE, "null Return-Path"
    if _BOUNCE_SUBJECT.match(subject):
        return Automated.BOUNCE, "bounce subject"
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return Automated.AUTO_REPLY, f"Auto-Submitted: {auto_submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in headers and headers[name].strip().lower() not in ("no", "false", "0"):
            return Automated.AUTO_REPLY, f"{name} header"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return Automated.AUTO_REPLY, f"Precedence: {precedence}"
    if _AUTO_REPLY_SUBJECT.match(subject):
        return Automated.AUTO_REPLY, "auto-reply subject"
    return None
