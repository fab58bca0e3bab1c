"""ListCases / SearchCases page tokens: the last row's sort key and id in the platform's signed page
token (aftercare_platform.paging), bound to the sort and filter they were issued for."""

from __future__ import annotations

from dataclasses import dataclass

from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import PageTokens

from cases.domain.queries import CaseFilter, Sort, SortDirection, SortField

TOKEN_VERSION = 1


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: continue strictly after (sort key, case id) in the sort's order."""

    sort: Sort
    last_key: str | int
    last_id: str
    filter_fingerprint: str


class CursorCodec:
    """A Cursor in a signed page token (aftercare_platform.paging), bound to its sort and filter."""

    def __init__(self, secret: bytes | str):
        self._tokens = PageTokens(secret)

    def encode(self, cursor: Cursor) -> str:
        return self._tokens.issue({
            "v": TOKEN_VERSION,
            "s": cursor.sort.field.value,
            "d": cursor.sort.direction.value,
            "k": cursor.last_key,
            "i": cursor.last_id,
            "f": cursor.filter_fingerprint,
        })

    def cursor_after(self, case_key: str | int, case_id: str, sort: Sort, wanted: CaseFilter) -> str:
        return self.encode(Cursor(sort, case_key, case_id, wanted.fingerprint()))

    def decode(self, token: str, *, sort: Sort, wanted: CaseFilter, field: str = "page.page_token") -> Cursor:
        """The cursor in `token`; InvalidArgument naming `field` when it is malformed, forged,
        edited, or was issued for another sort or filter."""
        body = self._tokens.read(token, field=field)
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


def _key(value: object) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError("sort key")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("text")
    return value
