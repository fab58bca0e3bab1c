"""Page sizes and page tokens, one rule for every List/Search of every service.

A page token is base64url JSON of what the next page needs (the last row's sort key and id, and
whatever it is bound to), with an HMAC of the body under the service's `page_token_secret`: a client
can neither forge nor edit one. Pure (no I/O), so a domain may use it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from aftercare_platform.errors import InvalidArgument

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200
TOKEN_MAX = 2_048
_MAC = "m"


def page_size(requested: int | None, field: str = "page.page_size") -> int:
    """0 or unset: the default; negative: refused naming `field`; more than the maximum: the maximum."""
    if requested is None or requested == 0:
        return PAGE_SIZE_DEFAULT
    if requested < 0:
        raise InvalidArgument.for_field(field, f"must not be negative, got {requested}")
    return min(requested, PAGE_SIZE_MAX)


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


class PageTokens:
    """`issue(body)` -> token; `read(token)` -> body, or InvalidArgument naming the field."""

    def __init__(self, secret: str | bytes) -> None:
        if not secret:
            raise ValueError("a page-token secret is required")
        self._secret = secret.encode() if isinstance(secret, str) else secret

    def issue(self, body: Mapping[str, Any]) -> str:
        if _MAC in body:
            raise ValueError(f"a page token's body must not use the key {_MAC!r}")
        signed = {**body, _MAC: self._mac(body)}
        return base64.urlsafe_b64encode(_canonical(signed)).rstrip(b"=").decode("ascii")

    def read(self, token: str, *, field: str = "page.page_token") -> dict[str, Any]:
        """The body this server signed; refused when too long, malformed, edited or signed elsewhere."""
        if len(token) > TOKEN_MAX:
            raise InvalidArgument.for_field(field, "is too long to be a page token")
        try:
            body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError) as malformed:
            raise InvalidArgument.for_field(field, "is not a valid page token") from malformed
        if not isinstance(body, dict):
            raise InvalidArgument.for_field(field, "is not a valid page token")
        mac = body.pop(_MAC, None)
        if not isinstance(mac, str) or not hmac.compare_digest(self._mac(body), mac):
            raise InvalidArgument.for_field(field, "is not a page token this server issued")
        return body

    def _mac(self, body: Mapping[str, Any]) -> str:
        digest = hmac.new(self._secret, _canonical(body), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode("ascii")
