"""Duty rosters as data: rotation layers, overrides that always win, shift swaps and absences.

A roster lives in its own time zone: a layer's recurrence rule (RFC 5545 RRULE, read by
dateutil) names shift starts in local wall-clock time, and each shift lasts `shift_length`
of wall-clock time from there (zoneinfo turns both ends into real instants, so DST days are
handled). A layer may count only working days or only days off of the roster's calendar
(the shared `aftercare_platform.calendar`: Chinese public holidays off, swapped working
weekends worked). Layers add up: everyone a layer puts on duty is on duty. An override
replaces what the layers say (for one layer or the whole roster); a swap hands one
engineer's shifts to another; an absent engineer is off duty, and a roster left with
nobody has a hole — reported as data, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aftercare_platform.calendar import Calendar
from aftercare_platform.errors import InvalidArgument
from dateutil.rrule import rrule, rrulestr

from dispatch.domain.vocabulary import DayFilter

# A coverage or shift listing spans at most this much: bounded work per request.
MAX_SPAN = timedelta(days=92)


@dataclass(frozen=True)
class RotationLayer:
    """Shifts starting at each occurrence of `rule` (local wall time from `start`), handed round
    `members` in order, `shifts_per_turn` consecutive counted shifts each (7 daily shifts = weekly)."""

    name: str
    members: tuple[str, ...]
    rule: str  # e.g. "FREQ=DAILY;BYHOUR=9;BYMINUTE=0"
    start: datetime  # naive local wall time of the first possible shift
    shift_length: timedelta
    shifts_per_turn: int = 1
    days: DayFilter = DayFilter.ALL
    until: datetime | None = None  # naive local wall time; no shift starts at or after it

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidArgument.for_field("layers.name", "every layer needs a name")
        if not self.members:
            raise InvalidArgument.for_field(f"layers[{self.name}].members", "a rotation needs at least one member")
        if self.start.tzinfo is not None:
            raise InvalidArgument.for_field(f"layers[{self.name}].start", "is local wall time: give it without a zone")
        if not timedelta(0) < self.shift_length <= timedelta(days=31):
            raise InvalidArgument.for_field(f"layers[{self.name}].shift_length", "must be between 0 and 31 days")
        if self.shifts_per_turn < 1:
            raise InvalidArgument.for_field(f"layers[{self.name}].shifts_per_turn", "must be at least 1")
        try:
            _recurrence(self.rule, self.start)
        except (ValueError, TypeError) as error:
            raise InvalidArgument.for_field(f"layers[{self.name}].rule", f"not a recurrence rule: {error}") from None


@dataclass(frozen=True)
class Override:
    """`engineer_id` is on duty in [start, end) instead of what `layer` says ("" = the whole roster)."""

    engineer_id: str
    start: datetime
    end: datetime
    layer: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Swap:
    """`to_engineer` takes the shifts `from_engineer` has in [start, end) (in `layer`, "" = any)."""

    from_engineer: str
    to_engineer: str
    start: datetime
    end: datetime
    layer: str = ""


@dataclass(frozen=True)
class Absence:
    engineer_id: str
    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class Roster:
    id: str
    name: str
    region: str
    team: str
    time_zone: str
    layers: tuple[RotationLayer, ...] = ()
    overrides: tuple[Override, ...] = ()
    swaps: tuple[Swap, ...] = ()
    absences: tuple[Absence, ...] = ()
    # what a working day is for layers that count only working days or only days off
    calendar: Calendar | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidArgument.for_field("time_zone", f"{self.time_zone!r} is not an IANA time zone") from None
        if any(layer.days is not DayFilter.ALL for layer in self.layers) and self.calendar is None:
            raise InvalidArgument.for_field("calendar", "layers that count working days need the roster's calendar")
        kinds: tuple[tuple[str, tuple[Override | Swap | Absence, ...]], ...] = (
            ("overrides", self.overrides), ("swaps", self.swaps), ("absences", self.absences)
        )
        for name, spans in kinds:
            for index, span in enumerate(spans):
                _check_span(f"{name}[{index}]", span.start, span.end)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class DutySlot:
    """One engineer on duty, and why: which layer's shift, an override or a swap."""

    engineer_id: str
    roster_id: str
    source: str  # "layer day", "swap in layer day", "override"
    start: datetime
    end: datetime


@dataclass(frozen=True)
class DutyAnswer:
    roster_id: str
    at: datetime
    on_duty: tuple[DutySlot, ...]
    # why someone who would be on duty is not (absent), or why nobody is
    notes: tuple[str, ...] = ()

    @property
    def has_hole(self) -> bool:
        return not self.on_duty

    @property
    def engineer_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(slot.engineer_id for slot in self.on_duty))


@dataclass(frozen=True)
class Gap:
    """An interval in which a roster has nobody on duty."""

    roster_id: str
    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class Shift:
    """A layer's shift as worked (after swaps), for listings and calendar feeds."""

    roster_id: str
    layer: str
    engineer_id: str
    start: datetime
    end: datetime
    source: str


# ---- one roster at one instant -------------------------------------------------------------


def on_duty(roster: Roster, at: datetime) -> DutyAnswer:
    """Who the roster has on duty at `at` (an aware instant)."""
    moment = _utc(at, "at")
    notes: list[str] = []
    whole = [o for o in roster.overrides if not o.layer and o.start <= moment < o.end]
    if whole:
        replaced = tuple(DutySlot(o.engineer_id, roster.id, "override", o.start, o.end) for o in whole)
        return DutyAnswer(roster.id, moment, replaced, ("an override replaces the rotation",))
    slots: list[DutySlot] = []
    for layer in roster.layers:
        layer_override = [o for o in roster.overrides if o.layer == layer.name and o.start <= moment < o.end]
        if layer_override:
            slots.extend(DutySlot(o.engineer_id, roster.id, "override", o.start, o.end) for o in layer_override)
            continue
        shift = _shift_at(roster, layer, moment)
        if shift is None:
            continue
        absence = _absence(roster, shift.engineer_id, moment)
        if absence is not None:
            why = f": {absence.reason}" if absence.reason else ""
            notes.append(f"{shift.engineer_id} ({shift.source}) is absent{why}")
            continue
        slots.append(DutySlot(shift.engineer_id, roster.id, shift.source, shift.start, shift.end))
    if not slots:
        notes.append("nobody on duty: a hole in the roster")
    return DutyAnswer(roster.id, moment, tuple(slots), tuple(notes))


def who_is_on_duty(rosters: Iterable[Roster], region: str, team: str, at: datetime) -> list[DutyAnswer]:
    """The answers of every roster of `region` (and `team`, when given) at `at`."""
    return [on_duty(r, at) for r in rosters if r.region == region and (not team or r.team == team)]


# ---- over a span -----------------------------------------------------------------------------


def shifts(roster: Roster, start: datetime, end: datetime) -> list[Shift]:
    """Every layer shift overlapping [start, end), swaps applied, plus the overrides, in time order."""
    begin, finish = _utc(start, "start"), _utc(end, "end")
    _check_span("span", begin, finish, limit=MAX_SPAN)
    found: list[Shift] = []
    for layer in roster.layers:
        for occurrence in _occurrences_between(roster, layer, begin, finish):
            found.extend(_worked(roster, layer, occurrence))
    found.extend(
        Shift(roster.id, o.layer, o.engineer_id, o.start, o.end, "override")
        for o in roster.overrides
        if o.start < finish and o.end > begin
    )
    return sorted(found, key=lambda s: (s.start, s.layer, s.engineer_id))


def coverage_gaps(roster: Roster, start: datetime, end: datetime) -> list[Gap]:
    """The intervals of [start, end) in which the roster has nobody on duty, each with its reason."""
    begin, finish = _utc(start, "start"), _utc(end, "end")
    _check_span("span", begin, finish, limit=MAX_SPAN)
    points = {begin}
    for shift in shifts(roster, begin, finish):
        points.update((shift.start, shift.end))
    spans: tuple[Override | Swap | Absence, ...] = (*roster.overrides, *roster.swaps, *roster.absences)
    for span in spans:
        points.update((span.start, span.end))
    ordered = sorted(p for p in points if begin <= p < finish)
    gaps: list[Gap] = []
    for index, point in enumerate(ordered):
        segment_end = ordered[index + 1] if index + 1 < len(ordered) else finish
        answer = on_duty(roster, point)
        if not answer.has_hole:
            continue
        reason = "; ".join(answer.notes)
        if gaps and gaps[-1].end == point and gaps[-1].reason == reason:
            gaps[-1] = Gap(roster.id, gaps[-1].start, segment_end, reason)
        else:
            gaps.append(Gap(roster.id, point, segment_end, reason))
    return gaps


# ---- the arithmetic of a layer ---------------------------------------------------------------


@lru_cache(maxsize=256)
def _recurrence(rule: str, start: datetime) -> rrule:
    parsed = rrulestr(rule, dtstart=start, cache=True)
    if not isinstance(parsed, rrule):
        raise ValueError("give one RRULE, not a set")
    return parsed


def _counts(roster: Roster, layer: RotationLayer, local_start: datetime) -> bool:
    if layer.until is not None and local_start >= layer.until:
        return False
    if layer.days is DayFilter.ALL or roster.calendar is None:
        return True
    working = bool(roster.calendar.windows_on(local_start.date()))
    return working if layer.days is DayFilter.WORKING else not working


@lru_cache(maxsize=65_536)
def _turn_index(roster: Roster, layer: RotationLayer, occurrence: datetime) -> int:
    """How many counted shifts of the layer start before `occurrence`: whose turn it is."""
    rule = _recurrence(layer.rule, layer.start)
    earlier = rule.between(layer.start - timedelta(seconds=1), occurrence, inc=False)
    return sum(1 for o in earlier if _counts(roster, layer, o))


def _member(roster: Roster, layer: RotationLayer, occurrence: datetime) -> str:
    index = _turn_index(roster, layer, occurrence)
    return layer.members[(index // layer.shifts_per_turn) % len(layer.members)]


def _local_to_utc(roster: Roster, local: datetime) -> datetime:
    return local.replace(tzinfo=roster.zone).astimezone(UTC)


def _occurrences_between(roster: Roster, layer: RotationLayer, begin: datetime, finish: datetime) -> list[datetime]:
    """Counted shift starts (local wall time) whose shift overlaps [begin, finish)."""
    rule = _recurrence(layer.rule, layer.start)
    zone = roster.zone
    # one day of slack each side covers any UTC offset change between wall and real time
    low = begin.astimezone(zone).replace(tzinfo=None) - layer.shift_length - timedelta(days=1)
    high = finish.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    found = []
    for local in rule.between(low, high, inc=True):
        if not _counts(roster, layer, local):
            continue
        start, end = _local_to_utc(roster, local), _local_to_utc(roster, local + layer.shift_length)
        if start < finish and end > begin:
            found.append(local)
    return found


def _worked(roster: Roster, layer: RotationLayer, local: datetime) -> list[Shift]:
    """The shift starting at `local`, split where a swap hands part of it to someone else."""
    member = _member(roster, layer, local)
    start, end = _local_to_utc(roster, local), _local_to_utc(roster, local + layer.shift_length)
    swaps = sorted(
        (s for s in roster.swaps
         if s.from_engineer == member and s.layer in ("", layer.name) and s.start < end and s.end > start),
        key=lambda s: s.start,
    )
    pieces: list[Shift] = []
    cursor = start
    for swap in swaps:
        swap_start, swap_end = max(swap.start, cursor), min(swap.end, end)
        if swap_start >= swap_end:
            continue
        if cursor < swap_start:
            pieces.append(Shift(roster.id, layer.name, member, cursor, swap_start, f"layer {layer.name}"))
        swapped = f"swap in layer {layer.name}"
        pieces.append(Shift(roster.id, layer.name, swap.to_engineer, swap_start, swap_end, swapped))
        cursor = swap_end
    if cursor < end:
        pieces.append(Shift(roster.id, layer.name, member, cursor, end, f"layer {layer.name}"))
    return pieces


def _shift_at(roster: Roster, layer: RotationLayer, moment: datetime) -> Shift | None:
    """The layer's worked shift covering `moment`; the latest-starting one when shifts overlap."""
    covering = [
        piece
        for local in _occurrences_between(roster, layer, moment, moment + timedelta(microseconds=1))
        for piece in _worked(roster, layer, local)
        if piece.start <= moment < piece.end
    ]
    return max(covering, key=lambda s: s.start) if covering else None


def _absence(roster: Roster, engineer_id: str, moment: datetime) -> Absence | None:
    return next((a for a in roster.absences if a.engineer_id == engineer_id and a.start <= moment < a.end), None)


def _utc(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidArgument.for_field(name, f"{instant.isoformat()} has no time zone")
    return instant.astimezone(UTC)


def _check_span(name: str, start: datetime, end: datetime, *, limit: timedelta | None = None) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidArgument.for_field(name, "start and end need a time zone")
    if end <= start:
        raise InvalidArgument.for_field(name, f"ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if limit is not None and end - start > limit:
        raise InvalidArgument.for_field(name, f"spans {end - start}; at most {limit.days} days at once")


@dataclass(frozen=True)
class Handover:
    """At the end of `outgoing`'s shift, `incoming` takes over (empty: nobody; a hole follows)."""

    roster_id: str
    outgoing: str
    incoming: tuple[str, ...]
    at: datetime


def handovers(roster: Roster, start: datetime, end: datetime) -> list[Handover]:
    """Every shift ending in [start, end) and who is on duty the moment it ends."""
    begin, finish = _utc(start, "start"), _utc(end, "end")
    _check_span("span", begin, finish, limit=MAX_SPAN)
    found = []
    for shift in shifts(roster, begin - timedelta(days=31), finish):
        if begin <= shift.end < finish:
            after = on_duty(roster, shift.end).engineer_ids
            incoming = tuple(e for e in after if e != shift.engineer_id)
            if shift.engineer_id not in after:  # still on duty (back to back shifts): nothing to hand over
                found.append(Handover(roster.id, shift.engineer_id, incoming, shift.end))
    return sorted(found, key=lambda h: (h.at, h.outgoing))
