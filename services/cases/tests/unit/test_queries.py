"""List and search: filters, scoping to the asker, page sizes and tamper-proof page tokens."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import InvalidArgument
from aftercare_platform.paging import page_size
from cases.domain.actors import Actor, Role
from cases.domain.case import Case
from cases.domain.cursor import Cursor, CursorCodec
from cases.domain.queries import CaseFilter, Sort, SortDirection, SortField, TimeRange, scoped_to
from cases.domain.vocabulary import Status

SECRET = b"test-secret"
T = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def field_of(error: pytest.ExceptionInfo[InvalidArgument]) -> str:
    return error.value.violations[0].field


@pytest.mark.parametrize(("asked", "given"), [(None, 50), (0, 50), (1, 1), (200, 200), (201, 200), (10_000, 200)])
def test_page_size_defaults_and_caps(asked: int | None, given: int) -> None:
    assert page_size(asked) == given


def test_a_negative_page_size_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as refused:
        page_size(-1)
    assert field_of(refused) == "page.page_size"


def test_time_ranges_are_checked() -> None:
    with pytest.raises(InvalidArgument) as backwards:
        CaseFilter(created=TimeRange(T, T - timedelta(days=1))).validated()
    assert field_of(backwards) == "filter.created.end_time"
    with pytest.raises(InvalidArgument) as naive:
        CaseFilter(closed=TimeRange(datetime(2026, 1, 1), None)).validated()
    assert field_of(naive) == "filter.closed.start_time"
    with pytest.raises(InvalidArgument) as long_text:
        CaseFilter(text="x" * 501).validated()
    assert field_of(long_text) == "query"
    with pytest.raises(InvalidArgument) as blank:
        CaseFilter(company_ids=frozenset({" "})).validated()
    assert field_of(blank) == "filter.company_ids"


def test_a_customer_is_scoped_to_its_company(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.NEW)
    everything = scoped_to(CaseFilter(), people.customer)
    assert everything.company_ids == {case.company_id} and not everything.matches_nothing
    theirs = scoped_to(CaseFilter(company_ids=frozenset({"company-b"})), people.customer)
    assert theirs.matches_nothing, "asking for another company finds nothing"
    assert scoped_to(CaseFilter(), people.other_customer).company_ids == {"company-b"} != {case.company_id}
    assert scoped_to(CaseFilter(company_ids=frozenset({"company-b"})), people.agent).company_ids == {"company-b"}


def test_a_partner_is_scoped_to_its_key() -> None:
    key = Actor("k", Role.PARTNER, company_id="a", companies=frozenset({"b"}), regions=frozenset({"east"}))
    scoped = scoped_to(CaseFilter(), key)
    assert scoped.company_ids == {"a", "b"} and scoped.regions == {"east"} and not scoped.matches_nothing
    narrowed = scoped_to(CaseFilter(company_ids=frozenset({"b", "c"}), regions=frozenset({"west"})), key)
    assert narrowed.company_ids == {"b"} and narrowed.matches_nothing


def test_a_page_token_round_trips() -> None:
    codec = CursorCodec(SECRET)
    wanted = CaseFilter(statuses=frozenset({Status.NEW}))
    sort = Sort(SortField.PRIORITY, SortDirection.ASCENDING)
    token = codec.encode(Cursor(sort, 2, "case-1", wanted.fingerprint()))
    assert "=" not in token and "case-1" not in token, "opaque and URL-safe"
    cursor = codec.decode(token, sort=sort, wanted=wanted)
    assert (cursor.last_key, cursor.last_id, cursor.sort) == (2, "case-1", sort)


def _retouch(token: str, change: Callable[[dict], None]) -> str:
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    change(body)
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: _retouch(t, lambda b: b.update(k="2000-01-01T00:00:00.000000+00:00")),
        lambda t: _retouch(t, lambda b: b.update(i="someone-elses-case")),
        lambda t: _retouch(t, lambda b: b.update(f="0" * 32)),
        lambda t: _retouch(t, lambda b: b.pop("m")),
        lambda t: t[:-2],
        lambda t: t + "A",
        lambda t: "not a token at all!",
        lambda t: base64.urlsafe_b64encode(b"[1,2,3]").decode(),
        lambda t: base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        lambda t: "",
        lambda t: "A" * 5000,
        lambda t: CursorCodec(b"another-secret").encode(
            Cursor(Sort(), "2026-11-21T01:00:00.000000+00:00", "case-1", CaseFilter().fingerprint())
        ),
    ],
    ids=[
        "key",
        "id",
        "filter",
        "mac-removed",
        "truncated",
        "extended",
        "garbage",
        "json-list",
        "not-utf8",
        "empty",
        "huge",
        "other-secret",
    ],
)
def test_a_tampered_page_token_is_refused(tamper: Callable[[str], str]) -> None:
    codec = CursorCodec(SECRET)
    sort, wanted = Sort(), CaseFilter()
    token = codec.encode(Cursor(sort, "2026-11-21T01:00:00.000000+00:00", "case-1", wanted.fingerprint()))
    with pytest.raises(InvalidArgument) as refused:
        codec.decode(tamper(token), sort=sort, wanted=wanted)
    assert field_of(refused) == "page.page_token"


def test_a_page_token_works_only_with_its_own_sort_and_filter() -> None:
    codec = CursorCodec(SECRET)
    wanted = CaseFilter(statuses=frozenset({Status.NEW}))
    token = codec.cursor_after("2026-11-21T01:00:00.000000+00:00", "case-1", Sort(), wanted)
    with pytest.raises(InvalidArgument, match="other filters"):
        codec.decode(token, sort=Sort(), wanted=CaseFilter())
    with pytest.raises(InvalidArgument, match="another sort"):
        codec.decode(token, sort=Sort(SortField.CREATED_AT, SortDirection.ASCENDING), wanted=wanted)
    with pytest.raises(InvalidArgument) as named:
        codec.decode("junk", sort=Sort(), wanted=wanted, field="page_token")
    assert field_of(named) == "page_token"


def test_a_customers_token_cannot_be_replayed_by_another_customer(people: SimpleNamespace) -> None:
    codec = CursorCodec(SECRET)
    mine = scoped_to(CaseFilter(), people.customer)
    token = codec.cursor_after(1, "case-1", Sort(SortField.PRIORITY), mine)
    with pytest.raises(InvalidArgument):
        codec.decode(token, sort=Sort(SortField.PRIORITY), wanted=scoped_to(CaseFilter(), people.other_customer))


def test_sort_keys(case_in: Callable[..., Case]) -> None:
    case = case_in(Status.NEW)
    assert Sort(SortField.PRIORITY).key(case) == 3
    assert Sort(SortField.CASE_NUMBER).key(case) == "EA-20261121-000042"
    assert Sort().key(case) == "2026-11-21T01:00:00.000000+00:00"
    assert Sort().direction is SortDirection.DESCENDING


def test_regional_staff_are_scoped_to_their_regions() -> None:
    west = Actor("a", Role.AGENT, regions=frozenset({"west"}))
    assert scoped_to(CaseFilter(), west).regions == {"west"}
    assert scoped_to(CaseFilter(regions=frozenset({"east"})), west).matches_nothing
    assert scoped_to(CaseFilter(), Actor("a", Role.AGENT)).regions == frozenset()
    customer = Actor("c", Role.CUSTOMER, company_id="a", regions=frozenset({"west"}))
    assert scoped_to(CaseFilter(), customer).regions == frozenset()
