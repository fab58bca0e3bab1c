"""Form safety, pure: a CSRF token bound to the session, and a request id per rendered form."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def csrf_token(secret: str, session: str) -> str:
    """The token every form of this session carries; another session's (or none) is refused."""
    return hmac.new(secret.encode(), b"csrf:" + session.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, session: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret, session), presented or "")


def new_request_id() -> str:
    """One per rendered form: a double click or a retry sends the same id, and acts once."""
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> bool:
    return bool(value) and REQUEST_ID.match(value or "") is not None


def signed(secret: str, value: str) -> str:
    """`value` with its HMAC, for a cookie the browser keeps but must not edit."""
    return value + "." + hmac.new(secret.encode(), b"cookie:" + value.encode(), hashlib.sha256).hexdigest()


def unsigned(secret: str, cookie: str | None) -> str | None:
    """The value of a `signed` cookie, or None when it is missing or was edited."""
    value = (cookie or "").rpartition(".")[0]
    return value if value and hmac.compare_digest(signed(secret, value), cookie or "") else None


def local_path(target: str | None, fallback: str) -> str:
    """Only a path on this site may be a redirect target (never `//evil.example`)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback
