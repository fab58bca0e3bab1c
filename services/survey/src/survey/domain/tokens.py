"""Signed, expiring link tokens: `<invitation id>.<expiry, unix seconds>.<HMAC-SHA256>`, base64url.

The invitation id is random (unguessable); the signature stops forging and editing the expiry;
single use is the store's part (an answered invitation is answered)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime


class TokenRefused(Exception):
    """The link cannot be used; `reason` is "forged" or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkToken:
    invitation_id: str
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signature(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def sign(secret: str, invitation_id: str, expires_at: datetime) -> str:
    body = f"{_b64(invitation_id.encode())}.{int(expires_at.timestamp())}"
    return f"{body}.{_signature(secret, body)}"


def link(secret: str, base_url: str, invitation_id: str, expires_at: datetime) -> str:
    """The no-login link to an invitation's form: the same link every time for the same invitation."""
    return f"{base_url.rstrip('/')}/s/{sign(secret, invitation_id, expires_at)}"


def verify(secret: str, token: str, now: datetime) -> LinkToken:
    """The token's invitation, or `TokenRefused`: forged (bad shape or signature) or expired."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise TokenRefused("forged")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(secret, body), parts[2]):
        raise TokenRefused("forged")
    try:
        invitation_id = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise TokenRefused("forged") from None
    expires_at = datetime.fromtimestamp(int(parts[1]), UTC)
    if now >= expires_at:
        raise TokenRefused("expired")
    return LinkToken(invitation_id, expires_at)
