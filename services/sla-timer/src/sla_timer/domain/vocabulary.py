"""The closed vocabularies SLA policies and clocks speak: priorities, clock kinds, roles, channels."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class ClockKind(StrEnum):
    FIRST_RESPONSE = "FIRST_RESPONSE"
    ON_SITE = "ON_SITE"
    DIAGNOSIS_REPORT = "DIAGNOSIS_REPORT"
    RESTORE = "RESTORE"
    LOANER = "LOANER"
    # plan 002 §3.1.4: service restored by a workaround first (a workaround recorded, or the resolution)
    WORKAROUND = "WORKAROUND"
    # ... then the fault fixed for good (the resolution)
    PERMANENT_FIX = "PERMANENT_FIX"
    # plan 000 §1.1.8 问题提交最长时间: the time allowed to hand the problem up a tier (escalation)
    HAND_UP = "HAND_UP"
    VENDOR_RESPONSE = "VENDOR_RESPONSE"  # the original vendor's first answer (an underpinning contract)


class Role(StrEnum):
    """Who a warning or breach action is addressed to (resolved to people by notify/dispatch)."""

    ASSIGNEE = "assignee"
    DESK_AGENT = "desk_agent"
    SUPERVISOR = "supervisor"
    EXPERT_PANEL = "expert_panel"
    FIELD_TEAM = "field_team"
    RMA_ADMIN = "rma_admin"
    CUSTOMER_CONTACT = "customer_contact"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class ActionKind(StrEnum):
    NOTIFY = "notify"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
