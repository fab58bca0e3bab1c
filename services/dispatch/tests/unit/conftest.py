"""Builders for the dispatch unit tests: engineers, a Chinese working-day calendar, instants."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aftercare_platform.calendar import Calendar, Window
from dispatch.domain.people import Engineer, Skills
from dispatch.domain.vocabulary import EngineerTier

SHANGHAI = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    """An instant given in Beijing time."""
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def engineer(
    engineer_id: str,
    *,
    regions: tuple[str, ...] = ("east",),
    tier: EngineerTier = EngineerTier.DUTY_ENGINEER,
    capacity: int = 5,
    categories: tuple[str, ...] = (),
    manufacturers: tuple[str, ...] = (),
    sites: tuple[str, ...] = (),
    key_accounts: tuple[str, ...] = (),
) -> Engineer:
    return Engineer(
        id=engineer_id,
        subject=f"user-{engineer_id}",
        name=engineer_id.title(),
        tier=tier,
        regions=frozenset(regions),
        sites=frozenset(sites),
        skills=Skills(categories=frozenset(categories), manufacturers=frozenset(manufacturers)),
        key_accounts=frozenset(key_accounts),
        capacity=capacity,
    )


@pytest.fixture
def cn_workdays() -> Calendar:
    """9:00-17:30 Monday to Friday, Chinese public holidays off, swapped weekends worked."""
    day = (Window.parse("09:00-17:30"),)
    return Calendar(
        name="workdays-cn",
        time_zone="Asia/Shanghai",
        weekly=(day, day, day, day, day, (), ()),
        public_holidays="CN",
        swapped_workday_windows=day,
    )
