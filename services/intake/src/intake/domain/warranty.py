"""Warranty coverage and entitlement (plan 004 §1.1).

An asset is in warranty from its acceptance until the later of
- the contract's warranty: `warranty_months` (24 by default) from acceptance — the asset's own
  acceptance date, else the contract's — its last day being the day before the same date
  `warranty_months` later, and
- the manufacturer's warranty (its last day as recorded),
extended by the days the system was down through the vendor's fault.

Downtime is counted so (our choice, in the customer's favour):
- intervals are the vendor-fault outages of resolved cases (outage start → restoration, whatever the
  priority); overlaps are merged first;
- only downtime inside the free period counts — from acceptance to the end of the (already
  extended) warranty, so an outage during the extension extends it again; downtime after the
  warranty ended does not revive it;
- the total is rounded **up** to whole days: a warranty ends on a day, and a part day down is a
  day the customer did not have;
- days start at midnight in the site's time zone (China by default).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from intake.domain.downtime import DowntimeInterval, merge_intervals, total_within
from intake.domain.registry import Asset, Contract

CHINA_TIME = ZoneInfo("Asia/Shanghai")
_DAY = timedelta(days=1)


class Entitlement(StrEnum):
    IN_WARRANTY = "in_warranty"  # free
    BILLABLE = "billable"  # warranty over: the contract's billable rules apply
    UNKNOWN = "unknown"  # contract (or every date needed) unknown: the desk decides


@dataclass(frozen=True)
class Coverage:
    covered: bool
    until: date | None  # last covered day (inclusive), extension included; None when it cannot be known
    reason: str
    base_until: date | None = None  # last day before the downtime extension
    extension_days: int = 0


@dataclass(frozen=True)
class EntitlementDecision:
    entitlement: Entitlement
    reason: str
    coverage: Coverage | None = None


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def extension_days(
    downtime: Iterable[DowntimeInterval], free_from: date | None, base_until: date, zone: tzinfo = CHINA_TIME
) -> int:
    """Whole days (rounded up) of merged downtime inside the free period, which the result itself extends."""
    spans = merge_intervals(downtime)
    if not spans:
        return 0
    window_start = _midnight(free_from, zone) if free_from else spans[0][0]
    days = 0
    while True:  # grows monotonically and is bounded by the total downtime, so this ends
        window_end = _midnight(base_until + timedelta(days=days + 1), zone)
        counted = math.ceil(total_within(spans, window_start, window_end) / _DAY)
        if counted <= days:
            return days
        days = counted


def _base_until(asset: Asset | None, contract: Contract | None) -> tuple[date | None, date | None, list[str]]:
    """(acceptance, last day before extension, how it was found)."""
    accepted = asset.accepted_on if asset and asset.accepted_on else (contract.acceptance_on if contract else None)
    candidates: list[tuple[date, str]] = []
    if contract is not None and accepted is not None:
        contract_end = accepted + relativedelta(months=contract.warranty_months) - _DAY
        candidates.append((contract_end, f"{contract.warranty_months}-month contract warranty from {accepted}"))
    if asset is not None and asset.manufacturer_warranty_end is not None:
        candidates.append((asset.manufacturer_warranty_end, "manufacturer warranty"))
    if not candidates:
        return accepted, None, []
    end, source = max(candidates)
    return accepted, end, [f"{source} ends {end}"]


def coverage(
    asset: Asset | None,
    contract: Contract | None,
    downtime: Iterable[DowntimeInterval],
    on_date: date,
    zone: tzinfo = CHINA_TIME,
) -> Coverage:
    """Is the asset (or, with no asset, the contract's system) covered on `on_date`, and why."""
    accepted, base_until, why = _base_until(asset, contract)
    if base_until is None:
        return Coverage(False, None, "no acceptance date or manufacturer warranty is recorded")
    days = extension_days(downtime, accepted, base_until, zone)
    until = base_until + timedelta(days=days)
    if days:
        why.append(f"extended by {days} day{'s' if days != 1 else ''} of vendor-fault downtime to {until}")
    explanation = "; ".join(why)
    if accepted is not None and on_date < accepted:
        return Coverage(
            True, until, f"not yet accepted ({accepted}): delivery work is free; {explanation}", base_until, days
        )
    if on_date <= until:
        return Coverage(True, until, f"in warranty: {explanation}", base_until, days)
    return Coverage(False, until, f"warranty ended: {explanation}", base_until, days)


def entitlement(
    asset: Asset | None,
    contract: Contract | None,
    downtime: Iterable[DowntimeInterval],
    on_date: date,
    zone: tzinfo = CHINA_TIME,
) -> EntitlementDecision:
    """IN_WARRANTY / BILLABLE from `coverage`; UNKNOWN when the contract is unknown or has no dates.

    A known contract without an identified asset is judged on the contract (a whole-system warranty)."""
    if contract is None:
        return EntitlementDecision(Entitlement.UNKNOWN, "contract not identified")
    found = coverage(asset, contract, downtime, on_date, zone)
    if found.until is None:
        return EntitlementDecision(Entitlement.UNKNOWN, found.reason, found)
    if found.covered:
        return EntitlementDecision(Entitlement.IN_WARRANTY, found.reason, found)
    rule = f" ({contract.billable_rule})" if contract.billable_rule else ""
    return EntitlementDecision(Entitlement.BILLABLE, f"{found.reason}; billable{rule}", found)
