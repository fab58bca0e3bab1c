"""The closed vocabularies of dispatch. Values are lower-case words; proto enums carry the same
names upper-cased behind their prefix (`ENGINEER_TIER_DUTY_ENGINEER`), so the edge maps mechanically."""

from __future__ import annotations

from enum import StrEnum


class EngineerTier(StrEnum):
    DESK_AGENT = "desk_agent"
    DUTY_ENGINEER = "duty_engineer"
    FIELD_ENGINEER = "field_engineer"
    EXPERT = "expert"
    VENDOR_CONTACT = "vendor_contact"
    RMA_ADMINISTRATOR = "rma_administrator"
    SUPERVISOR = "supervisor"


class TeamKind(StrEnum):
    FIELD = "field"  # a field team per region
    EXPERT_PANEL = "expert_panel"
    VENDOR = "vendor"  # vendor contacts of one manufacturer
    KEY_ACCOUNT = "key_account"  # engineers dedicated to one customer
    DESK = "desk"
    SUPERVISORS = "supervisors"


class DayFilter(StrEnum):
    """Which local days a rotation layer's shifts count on, judged by the roster's working calendar."""

    ALL = "all"
    WORKING = "working"  # working days, swapped working weekends included
    NON_WORKING = "non_working"  # weekends and public holidays


# The tiers that take a new case (the front line); experts and vendors are reached by escalation.
FRONT_LINE = frozenset({EngineerTier.DUTY_ENGINEER, EngineerTier.FIELD_ENGINEER})
