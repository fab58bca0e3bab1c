"""Builders for notify's domain tests: a notice of any type and recipients of any company."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from notify.domain.notice import Notice, NotifyAction
from notify.domain.recipients import Recipient

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def notice(event_type: str = "sla.warning", **overrides: Any) -> Notice:
    base = Notice(
        event_id="evt-1",
        event_type=event_type,
        case_id="case-1",
        case_number="EA-20261121-000001",
        company_id="company-a",
        region="east",
        priority="P3",
        occurred_at=T0,
        assignee_id="eng-1",
    )
    return replace(base, **overrides)


def person(recipient_id: str, company: str | None = None, **overrides: Any) -> Recipient:
    fields: dict[str, Any] = {"phone": "+8613800000000", "email": f"{recipient_id.replace(':', '-')}@example.com"}
    return Recipient(recipient_id=recipient_id, name=recipient_id, company_id=company, **{**fields, **overrides})


@pytest.fixture
def t0() -> datetime:
    return T0


__all__ = ["T0", "NotifyAction", "notice", "person"]
