"""Shared fixtures of the sla-timer unit tests: the shipped policy set and its calendars."""

from __future__ import annotations

import pytest
from aftercare_platform.calendar import Calendar
from sla_timer.domain.defaults import load_default_policy_set
from sla_timer.domain.policy import PolicySet


@pytest.fixture(scope="session")
def defaults() -> PolicySet:
    return load_default_policy_set()


@pytest.fixture(scope="session")
def workdays(defaults: PolicySet) -> Calendar:
    return defaults.calendar("workdays-cn-0900-1730")


@pytest.fixture(scope="session")
def daily(defaults: PolicySet) -> Calendar:
    return defaults.calendar("daily-0900-2130")


@pytest.fixture(scope="session")
def always(defaults: PolicySet) -> Calendar:
    return defaults.calendar("24x7")
