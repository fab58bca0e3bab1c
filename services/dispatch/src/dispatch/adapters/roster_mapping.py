"""Rosters and what they answer (duty, gaps, shifts): the contract's messages <-> the domain."""

from __future__ import annotations

from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare_platform.calendar import ALL_DAY, Calendar, is_supported_country
from aftercare_platform.errors import InvalidArgument

from dispatch.adapters.enum_maps import DAY_FILTERS
from dispatch.adapters.proto_values import calendar_date, from_document, local_time, required_instant, stamp
from dispatch.domain.rosters import Absence, DutyAnswer, Gap, Override, Roster, RotationLayer, Shift, Swap
from dispatch.domain.vocabulary import DayFilter


def working_days_calendar(m: pb.WorkingDays, time_zone: str) -> Calendar:
    """The roster's idea of a working day as a calendar: whole working days, holidays off, swaps worked."""
    weekdays = set(m.weekdays) or {1, 2, 3, 4, 5}
    if not weekdays <= set(range(1, 8)):
        raise InvalidArgument.for_field("roster.working_days.weekdays", "ISO weekdays are 1 (Monday) to 7")
    weekly = tuple(ALL_DAY if day in weekdays else () for day in range(1, 8))
    country = m.public_holidays.strip().upper() or None
    if country is not None and not is_supported_country(country):
        raise InvalidArgument.for_field("roster.working_days.public_holidays", f"no holiday data for {country!r}")
    return Calendar(
        name="roster-working-days", time_zone=time_zone, weekly=weekly, public_holidays=country,
        swapped_workday_windows=ALL_DAY,
        extra_holidays=frozenset(calendar_date(d, "roster.working_days.extra_holidays") for d in m.extra_holidays),
        extra_working_days=frozenset(calendar_date(d, "roster.working_days.extra_working_days")
                                     for d in m.extra_working_days),
    )  # fmt: skip


def _layer_from_proto(m: pb.RotationLayer, index: int) -> RotationLayer:
    field = f"roster.layers[{index}]"
    days = DAY_FILTERS.optional(m.days, f"{field}.days") or DayFilter.ALL
    if not m.HasField("shift_length"):
        raise InvalidArgument.for_field(f"{field}.shift_length", "is required")
    return RotationLayer(
        name=m.name.strip(), members=tuple(m.member_ids), rule=m.rule.strip(),
        start=local_time(m.start_local, f"{field}.start_local"), shift_length=m.shift_length.ToTimedelta(),
        shifts_per_turn=m.shifts_per_turn or 1, days=days,
        until=local_time(m.until_local, f"{field}.until_local") if m.until_local else None,
    )  # fmt: skip


def roster_from_proto(m: pb.Roster) -> Roster:
    if not m.roster_id.strip():
        raise InvalidArgument.for_field("roster.roster_id", "is required")
    if not m.region.strip():
        raise InvalidArgument.for_field("roster.region", "is required")
    zone = m.time_zone.strip() or "Asia/Shanghai"
    layers = tuple(_layer_from_proto(layer, i) for i, layer in enumerate(m.layers))
    needs_days = any(layer.days is not DayFilter.ALL for layer in layers)
    calendar = working_days_calendar(m.working_days, zone) if (m.HasField("working_days") or needs_days) else None
    return Roster(
        id=m.roster_id.strip(), name=m.name, region=m.region.strip(), team=m.team.strip(), time_zone=zone,
        layers=layers,
        overrides=tuple(Override(o.engineer_id, required_instant(o.start_time, f"roster.overrides[{i}].start_time"),
                                 required_instant(o.end_time, f"roster.overrides[{i}].end_time"), o.layer, o.reason)
                        for i, o in enumerate(m.overrides)),
        swaps=tuple(Swap(s.from_engineer_id, s.to_engineer_id,
                         required_instant(s.start_time, f"roster.swaps[{i}].start_time"),
                         required_instant(s.end_time, f"roster.swaps[{i}].end_time"), s.layer)
                    for i, s in enumerate(m.swaps)),
        absences=tuple(Absence(a.engineer_id, required_instant(a.start_time, f"roster.absences[{i}].start_time"),
                               required_instant(a.end_time, f"roster.absences[{i}].end_time"), a.reason)
                       for i, a in enumerate(m.absences)),
        calendar=calendar,
    )  # fmt: skip


def roster_message_from_document(doc: dict[str, Any]) -> pb.Roster:
    return from_document(doc, pb.Roster())


def roster_from_document(doc: dict[str, Any]) -> Roster:
    return roster_from_proto(roster_message_from_document(doc))


def duty_to_proto(answer: DutyAnswer) -> pb.RosterDuty:
    return pb.RosterDuty(
        roster_id=answer.roster_id,
        on_duty=[pb.DutySlot(engineer_id=s.engineer_id, roster_id=s.roster_id, source=s.source,
                             start_time=stamp(s.start), end_time=stamp(s.end)) for s in answer.on_duty],
        hole=answer.has_hole, notes=list(answer.notes),
    )  # fmt: skip


def gap_to_proto(gap: Gap) -> pb.Gap:
    return pb.Gap(roster_id=gap.roster_id, start_time=stamp(gap.start), end_time=stamp(gap.end), reason=gap.reason)


def shift_to_proto(shift: Shift) -> pb.Shift:
    return pb.Shift(
        roster_id=shift.roster_id,
        layer=shift.layer,
        engineer_id=shift.engineer_id,
        start_time=stamp(shift.start),
        end_time=stamp(shift.end),
        source=shift.source,
    )
