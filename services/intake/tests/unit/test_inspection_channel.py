"""The inspection channel: the inspection service (a system caller) reports findings on it; staff and
partners cannot claim it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.errors import InvalidArgument
from intake.domain.vocabulary import Channel
from intake.entrypoints.requests import report_fields, submitted_request

NOW = datetime(2026, 3, 2, 2, tzinfo=UTC)
FIELDS = report_fields(reporter={"email": "inspection@aftercare.example.cn"}, hints={"company": "ACME"},
                       summary="Inspection finding: disk full", description="finding P1:2026-03-02/disk",
                       error_codes=(), category=None, kind="defect", severity="general", quoted_case_number=None)


def test_the_inspection_service_reports_on_the_inspection_channel() -> None:
    request = submitted_request(Principal("inspection", Role.SYSTEM), FIELDS, "inspection-finding:F1", NOW,
                                Channel.INSPECTION)
    assert request.channel is Channel.INSPECTION


def test_staff_cannot_claim_the_inspection_channel() -> None:
    with pytest.raises(InvalidArgument, match=r"^channel:"):
        submitted_request(Principal("agent-1", Role.AGENT), FIELDS, "", NOW, Channel.INSPECTION)
    partner = submitted_request(Principal("partner-1", Role.PARTNER, companies=frozenset({"ACME"})), FIELDS, "P-1",
                                NOW, Channel.INSPECTION)
    assert partner.channel is Channel.PARTNER  # a partner key's reports are always on its own channel
