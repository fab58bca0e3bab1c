"""Case numbers: format, parse, and the region's local day across midnight in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.errors import InvalidArgument
from cases.domain.case_numbers import (
    CaseNumber,
    format_case_number,
    local_day,
    looks_like_case_number,
    parse_case_number,
    region_code,
    region_time_zone,
)


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("east", "EA"),
        ("south", "SO"),
        ("north", "NO"),
        ("west", "WE"),
        ("central", "CE"),
        ("East", "EA"),
        ("hainan", "HA"),
        ("xinjiang-2", "XI"),
    ],
)
def test_region_codes(region: str, code: str) -> None:
    assert region_code(region) == code


@pytest.mark.parametrize("region", ["", "x", "  ", "9"])
def test_a_region_without_two_letters_has_no_code(region: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        region_code(region)
    assert refused.value.violations[0].field == "region"


def test_format() -> None:
    assert format_case_number("east", date(2026, 11, 21), 42) == "EA-20261121-000042"
    assert format_case_number("west", date(2027, 1, 2), 999_999) == "WE-20270102-999999"


@pytest.mark.parametrize("seq", [0, -1, 1_000_000])
def test_the_sequence_has_six_digits(seq: int) -> None:
    with pytest.raises(InvalidArgument) as refused:
        format_case_number("east", date(2026, 11, 21), seq)
    assert refused.value.violations[0].field == "sequence"


def test_parse_round_trips() -> None:
    parsed = parse_case_number("EA-20261121-000042")
    assert parsed == CaseNumber("EA", date(2026, 11, 21), 42)
    assert str(parsed) == "EA-20261121-000042"
    assert parse_case_number(" ea-20261121-000042 ") == parsed, "people type numbers in lower case"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "EA-2026112-000042",
        "EA-20261121-42",
        "EAST-20261121-000042",
        "EA-20261321-000042",
        "EA-20260230-000001",
        "EA-20261121-000000",
        "EA_20261121_000042",
        "EA-20261121-0000421",
        "1A-20261121-000042",
    ],
)
def test_parse_names_the_field(text: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_case_number(text)
    assert refused.value.violations[0].field == "case_number"
    with pytest.raises(InvalidArgument) as named:
        parse_case_number(text, "duplicate_of")
    assert named.value.violations[0].field == "duplicate_of"


def test_looks_like_a_case_number() -> None:
    assert looks_like_case_number("EA-20261121-000042")
    assert looks_like_case_number("ea-20261121-000042")
    assert not looks_like_case_number("0b6f3c1e-8a8d-4b8e-9a53-3f2f1d2c7e10")


def test_numbers_sort_by_time_within_a_region() -> None:
    numbers = ["EA-20261121-000002", "EA-20261120-000900", "EA-20261121-000001"]
    assert sorted(numbers) == ["EA-20261120-000900", "EA-20261121-000001", "EA-20261121-000002"]
    assert sorted(parse_case_number(n) for n in numbers)[0].local_date == date(2026, 11, 20)


def test_the_local_day_turns_at_midnight_in_shanghai() -> None:
    clock = FakeClock(datetime(2026, 11, 21, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    zone = region_time_zone("east")
    assert zone == "Asia/Shanghai"
    assert local_day(zone, clock.now()) == date(2026, 11, 21)
    clock.advance(timedelta(seconds=1))  # 00:00:00 on the 22nd in Shanghai, still the 21st in UTC
    assert clock.now().date() == date(2026, 11, 21)
    assert local_day(zone, clock.now()) == date(2026, 11, 22)
    assert format_case_number("east", local_day(zone, clock.now()), 1) == "EA-20261122-000001"


def test_the_local_day_of_an_instant_in_any_offset() -> None:
    eight_am_in_new_york = datetime(2026, 11, 21, 8, 0, tzinfo=timezone(timedelta(hours=-5)))  # 21:00 in Shanghai
    assert local_day("Asia/Shanghai", eight_am_in_new_york) == date(2026, 11, 21)
    assert local_day("Asia/Shanghai", eight_am_in_new_york + timedelta(hours=3)) == date(2026, 11, 22)


def test_unknown_regions_default_to_shanghai_and_zones_are_data() -> None:
    assert region_time_zone("hainan") == "Asia/Shanghai"
    assert region_time_zone("europe", {"europe": "Europe/Berlin"}) == "Europe/Berlin"


def test_local_day_refuses_naive_times_and_unknown_zones() -> None:
    with pytest.raises(InvalidArgument):
        local_day("Asia/Shanghai", datetime(2026, 11, 21, 12, 0))
    with pytest.raises(InvalidArgument) as unknown:
        local_day("Mars/Olympus", datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    assert unknown.value.violations[0].field == "time_zone"
