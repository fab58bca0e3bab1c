"""The `aftercare.sla.policy_applied.v1` payload: the policy in force for a case and its reply settings."""

from __future__ import annotations

from datetime import datetime

from aftercare.sla.v1 import events_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from sla_timer.adapters.case_repository import CaseInfo
from sla_timer.domain.applied_policy import AppliedPolicy

POLICY_APPLIED = "aftercare.sla.policy_applied.v1"


def policy_applied_message(case: CaseInfo, applied: AppliedPolicy, at: datetime) -> events_pb2.SlaPolicyApplied:
    occurred_at = Timestamp()
    occurred_at.FromDatetime(at)
    return events_pb2.SlaPolicyApplied(
        case_id=case.case_id,
        case_number=case.case_number,
        region=case.region,
        company_id=case.company_id,
        policy=applied.policy,
        occurred_at=occurred_at,
        customer_reply_resumes=applied.settings.customer_reply_resumes,
        reopen_window_days=applied.settings.reopen_window_days,
    )
