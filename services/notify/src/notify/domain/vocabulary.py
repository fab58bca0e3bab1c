"""The words notify uses, each with the one spelling it has on every wire (`sms`, `supervisor`, `sent`)."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"


class Role(StrEnum):
    """Whom a rule notifies; resolved to people by the recipient directory."""

    CUSTOMER_CONTACT = "customer_contact"
    ASSIGNEE = "assignee"
    DESK_AGENT = "desk_agent"
    SUPERVISOR = "supervisor"
    EXPERT_PANEL = "expert_panel"
    FIELD_TEAM = "field_team"
    RMA_ADMIN = "rma_admin"
    VENDOR_CONTACT = "vendor_contact"


class DeliveryState(StrEnum):
    """pending → sending → sent → delivered; or held (quiet hours, rate limit) → pending; or failed/cancelled."""

    PENDING = "pending"
    HELD = "held"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # merged into a digest message instead of being sent on its own
    DIGESTED = "digested"

    @property
    def final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset(
    {DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.CANCELLED, DeliveryState.DIGESTED}
)


