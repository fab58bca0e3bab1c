"""Provider delivery receipts: order-tolerant and idempotent. A receipt only ever moves a delivery forward
(sent < undelivered < delivered), so a late 'sent' after 'delivered', or the same receipt twice, changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notify.domain.vocabulary import DeliveryState

_RANKS = {
    "accepted": 1, "queued": 1, "sending": 1, "sent": 1,
    "undelivered": 2, "failed": 2, "rejected": 2,
    "delivered": 3, "read": 3,
}


@dataclass(frozen=True)
class ProviderReceipt:
    provider: str
    provider_message_id: str
    status: str  # as the provider says it
    at: datetime
    detail: str = ""
    delivery_id: str = ""  # when the provider echoes our key (Aliyun's OutId)

    @property
    def rank(self) -> int:
        return _RANKS.get(self.status.strip().lower(), 0)


def state_after(receipt: ProviderReceipt, current_rank: int) -> DeliveryState | None:
    """The delivery's new state, or None when the receipt changes nothing."""
    if receipt.rank <= current_rank or receipt.rank < 2:
        return None
    return DeliveryState.DELIVERED if receipt.rank == 3 else DeliveryState.FAILED
