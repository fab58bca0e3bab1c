"""Case numbers, error codes, stated severity words, contact points and text cleaning."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from intake.domain.case_numbers import find_case_number, is_case_number
from intake.domain.contact_points import InvalidContactPoint, normalise_email, normalise_phone
from intake.domain.error_codes import extract_error_codes
from intake.domain.text import clean_line, clean_text, truncate
from intake.domain.vocabulary import StatedSeverity, parse_stated_severity


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Re: [Aftercare] EA-20261121-000042 opened", "EA-20261121-000042"),
        ("工单号：EA-20261121-000042，还没修好", "EA-20261121-000042"),
        ("ea-20261121-000042 ok", "EA-20261121-000042"),
        ("ＥＡ－２０２６１１２１－０００００１", "EA-20261121-000001"),
        ("case NORTH-20261121-000001", None),  # region too long
        ("XEA-20261121-000042", None),  # no region's prefix
        ("PO-20261121-000042 is our order", None),  # an order number shaped like a case number
        ("contract CT-20250101-000003, case SO-20261122-000001", "SO-20261122-000001"),
        ("EA-20261121-0000421", None),  # 7 digits
        ("EA-20261301-000042", None),  # month 13
        ("EA-20260229-000042", None),  # 2026 is not a leap year
        ("see EA-20261121-000042 and SO-20261122-000001", "EA-20261121-000042"),
        ("", None),
    ],
)
def test_find_case_number(text: str, number: str | None) -> None:
    assert find_case_number(text) == number


def test_is_case_number_is_canonical_only() -> None:
    assert is_case_number("EA-20261121-000042")
    assert not is_case_number("ea-20261121-000042")
    assert not is_case_number("EA-20261121-000042 ")


@given(st.text(max_size=200))
def test_find_case_number_finds_only_valid_numbers(text: str) -> None:
    found = find_case_number(text)
    assert found is None or is_case_number(found)


def test_extract_error_codes() -> None:
    text = "错误码：E-1021，再次出现 error code 0x80070005; 报警码 LINK_DOWN. 错误码: E-1021"
    assert extract_error_codes(text) == ("E-1021", "0x80070005", "LINK_DOWN")
    assert extract_error_codes("no codes here") == ()


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("紧急", StatedSeverity.CRITICAL),
        (" P1 ", StatedSeverity.CRITICAL),
        ("Major", StatedSeverity.MAJOR),
        ("严重", StatedSeverity.MAJOR),
        ("一般", StatedSeverity.GENERAL),
        ("咨询", StatedSeverity.NON_FAULT),
        ("ｐ２", StatedSeverity.MAJOR),
        ("whenever", None),
        (None, None),
    ],
)
def test_parse_stated_severity(word: str | None, severity: StatedSeverity | None) -> None:
    assert parse_stated_severity(word) is severity


def test_contact_points() -> None:
    assert normalise_phone("(010) 6552 9988") == "+861065529988"
    assert normalise_phone("852 2123 4567", region="HK") == "+85221234567"
    with pytest.raises(InvalidContactPoint):
        normalise_phone("1" * 100)
    assert normalise_email(" li@Example.CN ") == "li@example.cn"
    assert normalise_email("张三@例子.中国") == "张三@例子.中国"
    with pytest.raises(InvalidContactPoint):
        normalise_email("a b@example.com")


@given(st.text(max_size=64))
def test_phone_normalisation_raises_only_its_own_error(text: str) -> None:
    try:
        assert normalise_phone(text).startswith("+")
    except InvalidContactPoint:
        pass


@given(st.text(max_size=300))
def test_email_normalisation_raises_only_its_own_error(text: str) -> None:
    try:
        assert "@" in normalise_email(text)
    except InvalidContactPoint:
        pass


def test_clean_text_and_truncate() -> None:
    assert clean_text(" a\r\nb\rc\x00\x1b\ud800 ") == "a\nb\nc\ufffd"
    assert truncate("abcdef", 10) == ("abcdef", False)
    cut, was_cut = truncate("x" * 100, 20)
    assert was_cut and len(cut) == 20 and cut.endswith("[…truncated]")


@given(st.text())
def test_clean_line_fast_path_agrees_with_the_full_cleaning(value: str) -> None:
    assert clean_line(value) == " ".join(clean_text(value).split())
