"""The one place dispatch converts between its contract (aftercare.dispatch.v1) and its domain.

Enum values map mechanically: `ENGINEER_TIER_DUTY_ENGINEER` <-> EngineerTier("duty_engineer").
Stored documents are the contract's proto3 JSON, read back through the same functions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.calendar import ALL_DAY, Calendar, is_supported_country
from aftercare_platform.errors import InvalidArgument
from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from dispatch.adapters.store import StoredDecision
from dispatch.domain.loaners import Loaner, LoanerStatus
from dispatch.domain.people import Engineer, Skills, Team
from dispatch.domain.rma import Rma, RmaStep
from dispatch.domain.rosters import (
    Absence,
    DutyAnswer,
    Gap,
    Override,
    Roster,
    RotationLayer,
    Shift,
    Swap,
)
from dispatch.domain.routing import CaseToRoute
from dispatch.domain.sla_actions import Firing, SlaAction
from dispatch.domain.stock import Move, StockLevel
from dispatch.domain.visits import Visit, VisitStatus
from dispatch.domain.vocabulary import DayFilter, EngineerTier, TeamKind

E = TypeVar("E", bound=StrEnum)


# ---- vocabulary ------------------------------------------------------------------------------


def enum_from_proto(kind: type[E], proto_enum: Any, number: int, prefix: str, field: str) -> E:
    if number == 0:
        raise InvalidArgument.for_field(field, "is required")
    try:
        name: str = proto_enum.Name(number)
    except ValueError:
        raise InvalidArgument.for_field(field, f"unknown value {number}") from None
    return kind(name.removeprefix(prefix).lower())


def enum_to_proto(proto_enum: Any, value: StrEnum, prefix: str) -> Any:
    return proto_enum.Value(prefix + value.value.upper())


# ---- time ------------------------------------------------------------------------------------


def instant(stamp: Timestamp, field: str, *, required: bool = True) -> datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        if required:
            raise InvalidArgument.for_field(field, "is required")
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def required_instant(stamp: Timestamp, field: str) -> datetime:
    value = instant(stamp, field)
    assert value is not None
    return value


def stamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value.astimezone(UTC))
    return out


def duration(value: timedelta) -> Duration:
    out = Duration()
    out.FromTimedelta(value)
    return out


def _local(text: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument.for_field(field, f"{text!r} is not a local date-time like 2026-02-02T09:00:00") from None
    if value.tzinfo is not None:
        raise InvalidArgument.for_field(field, "is local wall time in the roster's zone: give it without an offset")
    return value


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument.for_field(field, f"{text!r} is not a date like 2027-02-10") from None


# ---- engineers and teams -----------------------------------------------------------------------


def engineer_from_proto(m: pb.Engineer) -> Engineer:
    tier = enum_from_proto(EngineerTier, pb.EngineerTier, m.tier, "ENGINEER_TIER_", "engineer.tier")
    categories = frozenset(c.strip().upper() for c in m.categories if c.strip())
    bad = sorted(c for c in categories if c not in set("ABCDEFG"))
    if bad:
        raise InvalidArgument.for_field("engineer.categories", f"categories are A-G, got {', '.join(bad)}")
    return Engineer(
        id=m.engineer_id.strip(),
        subject=m.subject.strip() or m.engineer_id.strip(),
        name=m.name.strip(),
        tier=tier,
        regions=frozenset(r.strip() for r in m.regions if r.strip()),
        sites=frozenset(m.sites),
        skills=Skills(frozenset(categories), frozenset(m.manufacturers), frozenset(m.products)),
        key_accounts=frozenset(m.key_accounts),
        phone=m.phone,
        email=m.email,
        language=m.language or "zh",
        capacity=m.capacity,
        active=m.active,
    )


def engineer_to_proto(e: Engineer) -> pb.Engineer:
    return pb.Engineer(
        engineer_id=e.id, subject=e.subject, name=e.name,
        tier=enum_to_proto(pb.EngineerTier, e.tier, "ENGINEER_TIER_"),
        regions=sorted(e.regions), sites=sorted(e.sites),
        categories=sorted(e.skills.categories), manufacturers=sorted(e.skills.manufacturers),
        products=sorted(e.skills.products), key_accounts=sorted(e.key_accounts),
        phone=e.phone, email=e.email, language=e.language, capacity=e.capacity, active=e.active,
    )  # fmt: skip


def team_from_proto(m: pb.Team) -> Team:
    if not m.team_id.strip():
        raise InvalidArgument.for_field("team.team_id", "is required")
    kind = enum_from_proto(TeamKind, pb.TeamKind, m.kind, "TEAM_KIND_", "team.kind")
    return Team(m.team_id.strip(), m.name, kind, m.region, m.manufacturer, m.company_id, tuple(m.member_ids))


def team_to_proto(t: Team) -> pb.Team:
    return pb.Team(team_id=t.id, name=t.name, kind=enum_to_proto(pb.TeamKind, t.kind, "TEAM_KIND_"),
                   region=t.region, manufacturer=t.manufacturer, company_id=t.company_id, member_ids=list(t.members))


# ---- rosters -----------------------------------------------------------------------------------


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
        extra_holidays=frozenset(_date(d, "roster.working_days.extra_holidays") for d in m.extra_holidays),
        extra_working_days=frozenset(_date(d, "roster.working_days.extra_working_days")
                                     for d in m.extra_working_days),
    )  # fmt: skip


def _layer_from_proto(m: pb.RotationLayer, index: int) -> RotationLayer:
    field = f"roster.layers[{index}]"
    days = DayFilter.ALL if m.days == 0 else enum_from_proto(DayFilter, pb.DayFilter, m.days, "DAY_FILTER_",
                                                             f"{field}.days")
    if not m.HasField("shift_length"):
        raise InvalidArgument.for_field(f"{field}.shift_length", "is required")
    return RotationLayer(
        name=m.name.strip(), members=tuple(m.member_ids), rule=m.rule.strip(),
        start=_local(m.start_local, f"{field}.start_local"), shift_length=m.shift_length.ToTimedelta(),
        shifts_per_turn=m.shifts_per_turn or 1, days=days,
        until=_local(m.until_local, f"{field}.until_local") if m.until_local else None,
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
    return pb.Shift(roster_id=shift.roster_id, layer=shift.layer, engineer_id=shift.engineer_id,
                    start_time=stamp(shift.start), end_time=stamp(shift.end), source=shift.source)


# ---- stored documents ----------------------------------------------------------------------------


def document(message: Any) -> dict[str, Any]:
    out: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return out


def engineer_document(m: pb.Engineer) -> dict[str, Any]:
    return document(m)


def engineer_from_document(doc: dict[str, Any]) -> Engineer:
    return engineer_from_proto(json_format.ParseDict(doc, pb.Engineer(), ignore_unknown_fields=True))


def roster_message_from_document(doc: dict[str, Any]) -> pb.Roster:
    return json_format.ParseDict(doc, pb.Roster(), ignore_unknown_fields=True)


def team_message_from_document(doc: dict[str, Any]) -> pb.Team:
    return json_format.ParseDict(doc, pb.Team(), ignore_unknown_fields=True)


def engineer_message_from_document(doc: dict[str, Any]) -> pb.Engineer:
    return json_format.ParseDict(doc, pb.Engineer(), ignore_unknown_fields=True)


# ---- other services' events --------------------------------------------------------------------


def _word(proto_enum: Any, number: int, prefix: str) -> str:
    """`CLOCK_KIND_FIRST_RESPONSE` -> `first_response`; an unknown number keeps its number."""
    try:
        return str(proto_enum.Name(number)).removeprefix(prefix).lower()
    except ValueError:
        return str(number)


def case_to_route(m: Any) -> CaseToRoute:
    """A case event's snapshot (aftercare.case.created.v1) as what routing needs."""
    category = _word(cases_pb.Category, m.category, "CATEGORY_").upper() if m.category else ""
    asset = m.asset if m.HasField("asset") else cases_pb.Asset()
    return CaseToRoute(case_id=m.case_id, region=m.region, company_id=m.company_id, site=asset.site,
                       category=category, manufacturer=asset.manufacturer, product=asset.model,
                       priority=_word(cases_pb.Priority, m.priority, "PRIORITY_").upper() if m.priority else "")


def sla_firing(m: Any, *, breach: bool) -> tuple[Firing, str]:
    """An SLA warning or breach (aftercare.sla.v1) as a firing with its actions, and its label."""
    actions = tuple(
        SlaAction(kind=_word(sla_pb.ActionKind, a.kind, "ACTION_KIND_"),
                  roles=tuple(_word(sla_pb.NotifyRole, r, "NOTIFY_ROLE_") for r in a.roles), tiers=int(a.tiers or 1))
        for a in m.actions
    )  # fmt: skip
    clock = _word(sla_pb.ClockKind, m.clock_kind, "CLOCK_KIND_")
    if breach:
        return Firing(m.case_id, clock, int(m.cycle), "breach", actions), f"breach of {clock}"
    label = m.warning_label or f"warning {m.warning_index + 1}"
    return Firing(m.case_id, clock, int(m.cycle), f"warning-{m.warning_index}", actions), f"warning {label} of {clock}"


def decision_to_proto(d: StoredDecision) -> pb.Decision:
    candidates = []
    for c in d.candidates:
        score = c.get("score") or {}
        last = score.get("last_assigned_at")
        candidates.append(pb.Candidate(
            engineer_id=c["engineer_id"], failed=list(c.get("failed", [])), eligible=not c.get("failed"),
            key_account=bool(score.get("key_account")), open_cases=int(score.get("open_cases", 0)),
            assigned_today=int(score.get("assigned_today", 0)),
            last_assigned_time=stamp(datetime.fromisoformat(last)) if last else None))
    return pb.Decision(
        decision_key=d.key, case_id=d.case_id, purpose=d.purpose, chosen_engineer_id=d.chosen or "",
        previous_engineer_id=d.previous or "", rule=d.rule, summary=d.summary, candidates=candidates,
        decided_time=stamp(d.decided_at), state=d.state, outcome=d.outcome,
    )  # fmt: skip


# ---- visits ---------------------------------------------------------------------------------------


def visit_to_proto(v: Visit) -> pb.Visit:
    return pb.Visit(
        visit_id=v.id, case_id=v.case_id, site=v.site, reason=v.reason,
        status=enum_to_proto(pb.VisitStatus, v.status, "VISIT_STATUS_"), engineer_id=v.engineer_id,
        requested_time=stamp(v.requested_at), planned_time=stamp(v.planned_for), parts=list(v.parts),
        en_route_time=stamp(v.en_route_at), checked_in_time=stamp(v.checked_in_at),
        check_in_received_time=stamp(v.check_in_received_at), checked_out_time=stamp(v.checked_out_at),
        report=v.report,
    )  # fmt: skip


def visit_from_document(doc: dict[str, Any]) -> Visit:
    m = json_format.ParseDict(doc, pb.Visit(), ignore_unknown_fields=True)
    return Visit(
        id=m.visit_id, case_id=m.case_id, site=m.site, reason=m.reason,
        requested_at=required_instant(m.requested_time, "requested_time"),
        status=enum_from_proto(VisitStatus, pb.VisitStatus, m.status, "VISIT_STATUS_", "status"),
        engineer_id=m.engineer_id, planned_for=instant(m.planned_time, "planned_time", required=False),
        parts=tuple(m.parts), en_route_at=instant(m.en_route_time, "en_route_time", required=False),
        checked_in_at=instant(m.checked_in_time, "checked_in_time", required=False),
        check_in_received_at=instant(m.check_in_received_time, "check_in_received_time", required=False),
        checked_out_at=instant(m.checked_out_time, "checked_out_time", required=False), report=m.report,
    )  # fmt: skip


# ---- loaners --------------------------------------------------------------------------------------


def loaner_to_proto(loaner: Loaner) -> pb.Loaner:
    return pb.Loaner(
        loaner_id=loaner.id, case_id=loaner.case_id, serial_number=loaner.serial_number,
        device_class=loaner.device_class, repair_started_time=stamp(loaner.repair_started_at),
        issued_time=stamp(loaner.issued_at), due_back_time=stamp(loaner.due_back),
        status=enum_to_proto(pb.LoanerStatus, loaner.status, "LOANER_STATUS_"), closed_time=stamp(loaner.closed_at),
        transfer_due_time=stamp(loaner.transfer_due_at),
    )  # fmt: skip


def loaner_document(loaner: Loaner) -> dict[str, Any]:
    doc = document(loaner_to_proto(loaner))
    if loaner.reminded_at is not None:  # not part of the contract: dispatch's own bookkeeping
        doc["reminded_at"] = loaner.reminded_at.isoformat()
    return doc


def loaner_from_document(doc: dict[str, Any]) -> Loaner:
    m = json_format.ParseDict(doc, pb.Loaner(), ignore_unknown_fields=True)
    reminded = doc.get("reminded_at")
    return Loaner(
        id=m.loaner_id, case_id=m.case_id, serial_number=m.serial_number, device_class=m.device_class,
        repair_started_at=required_instant(m.repair_started_time, "repair_started_time"),
        issued_at=required_instant(m.issued_time, "issued_time"),
        due_back=required_instant(m.due_back_time, "due_back_time"),
        status=enum_from_proto(LoanerStatus, pb.LoanerStatus, m.status, "LOANER_STATUS_", "status"),
        closed_at=instant(m.closed_time, "closed_time", required=False),
        reminded_at=datetime.fromisoformat(reminded) if reminded else None,
    )  # fmt: skip


# ---- RMA ------------------------------------------------------------------------------------------


def rma_step(word: str) -> RmaStep:
    try:
        return RmaStep(word.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in RmaStep)
        raise InvalidArgument.for_field("step", f"{word!r} is not an RMA step; one of {known}") from None


def rma_to_proto(rma: Rma) -> pb.Rma:
    return pb.Rma(
        rma_id=rma.id, case_id=rma.case_id, serial_number=rma.serial_number, manufacturer=rma.manufacturer,
        entitlement=rma.entitlement, step=rma.step.value, repairer=rma.repairer, free_of_charge=rma.free_of_charge,
        history=[pb.RmaStepTime(step=step.value, at_time=stamp(at)) for step, at in rma.history],
    )  # fmt: skip


def rma_from_document(doc: dict[str, Any]) -> Rma:
    m = json_format.ParseDict(doc, pb.Rma(), ignore_unknown_fields=True)
    history = tuple((rma_step(h.step), required_instant(h.at_time, "history.at_time")) for h in m.history)
    return Rma(m.rma_id, m.case_id, m.serial_number, m.manufacturer, m.entitlement, rma_step(m.step), history,
               m.repairer)


# ---- spare parts ----------------------------------------------------------------------------------


def stock_level_to_proto(level: StockLevel) -> pb.StockLevel:
    return pb.StockLevel(depot=level.depot, part=level.part, on_hand=level.on_hand, reserved=level.reserved,
                         defective=level.defective, minimum=level.minimum, available=level.available, low=level.low)


def stock_move_to_proto(move: Move) -> pb.StockMove:
    return pb.StockMove(kind=move.kind.value, depot=move.depot, part=move.part, quantity=move.quantity,
                        case_id=move.case_id, note=move.note, at_time=stamp(move.at))
