"""One message per (event, recipient, channel): its key, stable across redeliveries and replicas."""

from __future__ import annotations

import uuid

from notify.domain.vocabulary import Channel

_NAMESPACE = uuid.UUID("6f1f3f2e-5d0a-4c55-9a5e-2b8f3c7d9e01")


def delivery_key(event_id: str, recipient_id: str, channel: Channel | str) -> str:
    """A UUID derived from the triple: the delivery row's id and the idempotency key given to providers."""
    return str(uuid.uuid5(_NAMESPACE, f"{event_id}\x1f{recipient_id}\x1f{channel}"))


def digest_key(recipient_id: str, channel: Channel | str, window_start_iso: str) -> str:
    """A digest's own key: one digest per recipient, channel and release time."""
    return delivery_key(f"digest:{window_start_iso}", recipient_id, channel)
