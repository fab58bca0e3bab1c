"""The wire's vocabularies the console reads, one EnumMap each (short forms: `P1`, `in_progress`)."""

from __future__ import annotations

from aftercare.cases.v1 import cases_pb2
from aftercare.dispatch.v1 import dispatch_pb2
from aftercare.intake.v1 import intake_pb2
from aftercare.sla.v1 import sla_pb2
from aftercare.survey.v1 import survey_pb2
from aftercare_platform.contracts.enum_map import EnumMap

PRIORITIES = EnumMap.words(cases_pb2.Priority)
STATUSES = EnumMap.words(cases_pb2.CaseStatus)
TIERS = EnumMap.words(cases_pb2.Tier)
ENTITLEMENTS = EnumMap.words(cases_pb2.Entitlement)
VISIBILITIES = EnumMap.words(cases_pb2.Visibility)
COMPLAINT_ABOUT = EnumMap.words(cases_pb2.ComplaintAbout)
CLOCK_KINDS = EnumMap.words(sla_pb2.ClockKind)
CLOCK_STATUSES = EnumMap.words(sla_pb2.ClockStatus)
SEVERITIES = EnumMap.words(intake_pb2.StatedSeverity)
VISIT_STATUSES = EnumMap.words(dispatch_pb2.VisitStatus)
LOANER_STATUSES = EnumMap.words(dispatch_pb2.LoanerStatus)
INVITATION_STATUSES = EnumMap.words(survey_pb2.InvitationStatus)
SKIP_REASONS = EnumMap.words(survey_pb2.SkipReason)
