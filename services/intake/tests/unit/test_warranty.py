"""Warranty coverage, the downtime extension and entitlement."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aftercare_platform.clock import FakeClock
from aftercare_platform.errors import InvalidArgument
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st
from intake.domain.downtime import DowntimeInterval, merge_intervals
from intake.domain.registry import Asset, Contract
from intake.domain.warranty import Entitlement, coverage, entitlement, extension_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOCK = FakeClock(datetime(2026, 11, 21, 1, 0, tzinfo=UTC))
TODAY = CLOCK.now().astimezone(SHANGHAI).date()


def at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def down(first: date, days: float) -> DowntimeInterval:
    start = at(first, 8)
    return DowntimeInterval(start, start + timedelta(days=days), "EA-20250301-000001")


def contract(accepted: date | None, months: int = 24, **extra: object) -> Contract:
    return Contract("C-1", "CO-1", "default", date(2024, 1, 1), accepted, months, **extra)  # type: ignore[arg-type]


ASSET = Asset("SN-001", "Hikvision", "DS-9632NI")


def test_accepted_24_months_ago_with_10_downtime_days_is_covered_10_more_days() -> None:
    accepted = TODAY - relativedelta(months=24)
    terms = contract(accepted)
    downtime = [down(accepted + timedelta(days=100), 10)]

    without = coverage(ASSET, terms, [], TODAY)
    assert not without.covered  # the plain 24 months are over today

    for offset in range(10):
        found = coverage(ASSET, terms, downtime, TODAY + timedelta(days=offset))
        assert found.covered, offset
    assert found.until == TODAY + timedelta(days=9)
    assert found.extension_days == 10
    assert "extended by 10 days" in found.reason

    after = coverage(ASSET, terms, downtime, TODAY + timedelta(days=10))
    assert not after.covered
    assert after.reason.startswith("warranty ended")


def test_warranty_runs_24_months_from_acceptance_by_default() -> None:
    terms = Contract("C-1", "CO-1", "default", date(2024, 1, 1), date(2024, 11, 21))
    assert coverage(ASSET, terms, [], date(2026, 11, 20)).covered
    assert not coverage(ASSET, terms, [], date(2026, 11, 21)).covered
    assert coverage(ASSET, terms, [], date(2026, 11, 20)).until == date(2026, 11, 20)


def test_asset_acceptance_overrides_the_contracts() -> None:
    asset = Asset("SN-2", "Dahua", accepted_on=date(2025, 6, 1))
    assert coverage(asset, contract(date(2024, 1, 1)), [], date(2027, 5, 31)).covered
    assert not coverage(asset, contract(date(2024, 1, 1)), [], date(2027, 6, 1)).covered


def test_longer_manufacturer_warranty_wins() -> None:
    asset = Asset("SN-3", "Huawei", manufacturer_warranty_end=date(2029, 12, 31))
    found = coverage(asset, contract(date(2024, 11, 21)), [], date(2029, 12, 31))
    assert found.covered and found.until == date(2029, 12, 31)
    assert "manufacturer warranty" in found.reason
    assert not coverage(asset, contract(date(2024, 11, 21)), [], date(2030, 1, 1)).covered


def test_shorter_manufacturer_warranty_does_not_shorten_the_contract() -> None:
    asset = Asset("SN-4", "Huawei", manufacturer_warranty_end=date(2025, 1, 1))
    assert coverage(asset, contract(date(2024, 11, 21)), [], date(2026, 6, 1)).covered


def test_overlapping_downtime_counts_once() -> None:
    accepted = date(2024, 11, 21)
    overlapping = [down(date(2025, 3, 1), 4), down(date(2025, 3, 3), 4), down(date(2025, 3, 3), 1)]
    assert extension_days(overlapping, accepted, date(2026, 11, 20)) == 6


def test_part_days_round_up() -> None:
    assert extension_days([down(date(2025, 3, 1), 0.25)], date(2024, 11, 21), date(2026, 11, 20)) == 1
    assert extension_days([down(date(2025, 3, 1), 2.01)], date(2024, 11, 21), date(2026, 11, 20)) == 3


def test_downtime_outside_the_free_period_does_not_count() -> None:
    accepted, end = date(2024, 11, 21), date(2026, 11, 20)
    assert extension_days([down(date(2024, 10, 1), 5)], accepted, end) == 0  # before acceptance
    assert extension_days([down(date(2027, 3, 1), 5)], accepted, end) == 0  # after it ended


def test_downtime_during_the_extension_extends_again() -> None:
    accepted, end = date(2024, 11, 21), date(2026, 11, 20)
    # 3 days down just before the end carry the warranty to 23 Nov; an outage on 22 Nov counts too
    downtime = [down(date(2026, 11, 10), 3), down(date(2026, 11, 22), 2)]
    assert extension_days(downtime, accepted, end) == 5


def test_before_acceptance_delivery_work_is_free() -> None:
    found = coverage(ASSET, contract(date(2026, 12, 1)), [], date(2026, 11, 21))
    assert found.covered and "not yet accepted" in found.reason


def test_no_dates_at_all_is_unknown() -> None:
    found = coverage(ASSET, contract(None), [], TODAY)
    assert not found.covered and found.until is None
    assert entitlement(ASSET, contract(None), [], TODAY).entitlement is Entitlement.UNKNOWN


def test_entitlement() -> None:
    terms = contract(date(2024, 11, 21), billable_rule="per visit, 800 CNY")
    assert entitlement(ASSET, terms, [], date(2026, 1, 1)).entitlement is Entitlement.IN_WARRANTY
    billable = entitlement(ASSET, terms, [], date(2027, 1, 1))
    assert billable.entitlement is Entitlement.BILLABLE
    assert "800 CNY" in billable.reason
    assert entitlement(ASSET, None, [], date(2026, 1, 1)).entitlement is Entitlement.UNKNOWN
    # a known contract without an identified asset is judged on the contract
    assert entitlement(None, terms, [], date(2026, 1, 1)).entitlement is Entitlement.IN_WARRANTY


def test_downtime_interval_validation() -> None:
    with pytest.raises(InvalidArgument):
        DowntimeInterval(at(TODAY, 10), at(TODAY, 9))
    with pytest.raises(InvalidArgument):
        DowntimeInterval(datetime(2026, 1, 1), datetime(2026, 1, 2))


intervals = st.lists(
    st.builds(
        lambda start, hours: DowntimeInterval(start, start + timedelta(hours=hours)),
        st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
        st.floats(min_value=0, max_value=24 * 20),
    ),
    max_size=8,
)


@settings(max_examples=100, deadline=None)
@given(intervals)
def test_merged_intervals_are_disjoint_and_cover_the_same_total_or_less(downtime: list[DowntimeInterval]) -> None:
    merged = merge_intervals(downtime)
    assert all(start <= end for start, end in merged)
    assert all(first[1] < second[0] for first, second in itertools.pairwise(merged))
    assert sum((end - start for start, end in merged), timedelta()) <= sum(
        (i.restored_at - i.opened_at for i in downtime), timedelta()
    )


@settings(max_examples=100, deadline=None)
@given(intervals, st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 1, 1)))
def test_downtime_never_shortens_coverage(downtime: list[DowntimeInterval], on_date: date) -> None:
    terms = contract(date(2024, 11, 21))
    with_downtime = coverage(ASSET, terms, downtime, on_date)
    without = coverage(ASSET, terms, [], on_date)
    assert with_downtime.until is not None and without.until is not None
    assert with_downtime.until >= without.until
    assert with_downtime.covered or not without.covered
