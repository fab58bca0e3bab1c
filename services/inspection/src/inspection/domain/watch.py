"""Special-event watch (重要保障): asked for ahead (3 weeks by default), refused with the reason when
later; a pre-event inspection; the team on site from 3 days before; a daily duty log; its own report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from aftercare_platform.errors import FailedPrecondition, InvalidArgument

DEFAULT_NOTICE_DAYS = 21
DEFAULT_ON_SITE_DAYS_BEFORE = 3
LONGEST_WATCH_DAYS = 62


@dataclass(frozen=True)
class DutyLogEntry:
    day: date
    text: str
    by: str
    logged_at: datetime


@dataclass(frozen=True)
class Watch:
    id: str
    company_id: str
    contract_id: str
    region: str
    event_name: str
    starts_on: date
    ends_on: date
    on_site_from: date
    sites: tuple[str, ...]
    systems: tuple[str, ...]
    engineer_ids: tuple[str, ...]
    requested_at: datetime
    requested_by: str
    pre_event_visit_id: str = ""
    roster_id: str = ""
    duty_log: tuple[DutyLogEntry, ...] = ()


def request_watch(*, watch_id: str, company_id: str, contract_id: str, region: str, event_name: str,
                  starts_on: date, ends_on: date, sites: tuple[str, ...], systems: tuple[str, ...],
                  engineer_ids: tuple[str, ...], today: date, at: datetime, by: str,
                  notice_days: int = DEFAULT_NOTICE_DAYS,
                  on_site_days_before: int = DEFAULT_ON_SITE_DAYS_BEFORE) -> Watch:
    for name, value in (("company_id", company_id), ("contract_id", contract_id), ("region", region),
                        ("event_name", event_name)):
        if not value.strip():
            raise InvalidArgument.for_field(name, "required")
    if not sites:
        raise InvalidArgument.for_field("sites", "at least one site to watch")
    if ends_on < starts_on:
        raise InvalidArgument.for_field("ends_on", "before the event starts")
    if (ends_on - starts_on).days > LONGEST_WATCH_DAYS:
        raise InvalidArgument.for_field("ends_on", f"a watch lasts at most {LONGEST_WATCH_DAYS} days")
    if not 0 <= on_site_days_before <= 14:
        raise InvalidArgument.for_field("on_site_days_before", "0 to 14 days")
    latest = starts_on - timedelta(days=notice_days)
    if today > latest:
        raise FailedPrecondition(
            f"a watch must be asked for {notice_days} days ahead (by {latest}); the event starts {starts_on} and "
            f"it is {today}: too late under the contract", field="starts_on", latest_request_day=latest.isoformat())
    return Watch(watch_id, company_id.strip(), contract_id.strip(), region.strip(), event_name.strip(), starts_on,
                 ends_on, starts_on - timedelta(days=on_site_days_before), sites, systems, engineer_ids, at, by)


def log_duty(watch: Watch, *, day: date, text: str, by: str, at: datetime) -> Watch:
    if not watch.on_site_from <= day <= watch.ends_on:
        raise InvalidArgument.for_field("day", f"the watch runs {watch.on_site_from} to {watch.ends_on}")
    if not text.strip():
        raise InvalidArgument.for_field("text", "say what happened on duty")
    return replace(watch, duty_log=(*watch.duty_log, DutyLogEntry(day, text.strip(), by, at)))
