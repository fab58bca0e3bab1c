"""Opaque page tokens: base64url JSON of the last row's sort key and id, signed so a client
cannot forge or edit one, and bound to the sort and filter they were issued for."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from aftercare_platform.errors import InvalidArgument

from cases.domain.queries import CaseFilter, Sort, SortDirection, SortField

TOKEN_VERSION = 1
TOKEN_MAX = 2_048


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: continue strictly after (sort key, case id) in the sort's order."""

    sort: Sort
    last_key: str | int
    last_id: str
    filter_fingerprint: str


class CursorCodec:
    def __init__(self, secret: bytes):
        if not secret:
            raise ValueError("a page-token secret is required")
        self._secret = secret

    def encode(self, cursor: Cursor) -> str:
        body = {
            "v": TOKEN_VERSION,
            "s": cursor.sort.field.value,
            "d": cursor.sort.direction.value,
            "k": cursor.last_key,
            "i": cursor.last_id,
            "f": cursor.filter_fingerprint,
        }
        body["m"] = self._mac(body)
        raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def cursor_after(self, case_key: str | int, case_id: str, sort: Sort, wanted: CaseFilter) -> str:
        return self.encode(Cursor(sort, case_key, case_id, wanted.fingerprint()))

    def decode(self, token: str, *, sort: Sort, wanted: CaseFilter, field: str = "page.page_token") -> Cursor:
        """The cursor in `token`; InvalidArgument naming `field` when it is malformed, forged,
        edited, or was issued for another sort or filter."""
        if len(token) > TOKEN_MAX:
            raise InvalidArgument.for_field(field, "is too long to be a page token")
        body = self._body(token, field)
        expected = self._mac({k: v for k, v in body.items() if k != "m"})
        if not isinstance(body.get("m"), str) or not hmac.compare_digest(expected, body["m"]):
            raise InvalidArgument.for_field(field, "is not a page token this server issued")
        try:
            cursor = Cursor(
                sort=Sort(SortField(body["s"]), SortDirection(body["d"])),
                last_key=_key(body["k"]),
                last_id=_text(body["i"]),
                filter_fingerprint=_text(body["f"]),
            )
        except (KeyError, ValueError, TypeError) as malformed:
            raise InvalidArgument.for_field(field, "is not a valid page token") from malformed
        if body.get("v") != TOKEN_VERSION:
            raise InvalidArgument.for_field(field, "comes from another version of the API; start again")
        if cursor.sort != sort:
            raise InvalidArgument.for_field(field, "was issued for another sort order; start again")
        if cursor.filter_fingerprint != wanted.fingerprint():
            raise InvalidArgument.for_field(field, "was issued for other filters; start again")
        return cursor

    def _mac(self, body: dict[str, Any]) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        digest = hmac.new(self._secret, canonical, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode("ascii")

    @staticmethod
    def _body(token: str, field: str) -> dict[str, Any]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            body = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError) as malformed:
            raise InvalidArgument.for_field(field, "is not a valid page token") from malformed
        if not isinstance(body, dict):
            raise InvalidArgument.for_field(field, "is not a valid page token")
        return body


def _key(value: object) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError("sort key")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("text")
    return value
