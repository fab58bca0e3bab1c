"""Every proto enum dispatch reads or writes, converted through the platform's EnumMap (one spelling:
`ENGINEER_TIER_DUTY_ENGINEER` <-> `duty_engineer`, `CLOCK_KIND_FIRST_RESPONSE` <-> `FIRST_RESPONSE`)."""

from __future__ import annotations

from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.sla.v1 import sla_pb2 as sla_pb
from aftercare_platform.contracts import EnumMap

from dispatch.domain.loaners import LoanerStatus
from dispatch.domain.visits import VisitStatus
from dispatch.domain.vocabulary import DayFilter, EngineerTier, TeamKind

TIERS = EnumMap(pb.EngineerTier, EngineerTier)
TEAM_KINDS = EnumMap(pb.TeamKind, TeamKind)
DAY_FILTERS = EnumMap(pb.DayFilter, DayFilter)
VISIT_STATUSES = EnumMap(pb.VisitStatus, VisitStatus)
LOANER_STATUSES = EnumMap(pb.LoanerStatus, LoanerStatus)

# other services' vocabularies dispatch keeps no enum of: their own short forms
CATEGORIES = EnumMap.words(cases_pb.Category)
PRIORITIES = EnumMap.words(cases_pb.Priority)
CASE_STATUSES = EnumMap.words(cases_pb.CaseStatus)
ENTITLEMENTS = EnumMap.words(cases_pb.Entitlement)
CLOCK_KINDS = EnumMap.words(sla_pb.ClockKind)
ACTION_KINDS = EnumMap.words(sla_pb.ActionKind)
NOTIFY_ROLES = EnumMap.words(sla_pb.NotifyRole)
