"""Signed iCalendar feed links: calendar apps cannot send a bearer token, so a feed's URL carries an
HMAC of what it shows (`engineer:<id>`, `roster:<id>`) under a key derived from the service's secret.
Whoever holds the link reads that one feed and nothing else; changing the secret revokes every link."""

from __future__ import annotations

import base64
import hashlib
import hmac

FEED_KEY_LABEL = b"aftercare/dispatch/ical-feeds"


class FeedSigner:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), FEED_KEY_LABEL, hashlib.sha256).digest()

    def sign(self, kind: str, key: str) -> str:
        mac = hmac.new(self._key, f"{kind}:{key}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode()

    def verify(self, kind: str, key: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(kind, key).encode(), signature.encode())
