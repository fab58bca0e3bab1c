"""How an HTTP provider's answer or transport error maps to transient or permanent failure."""

from __future__ import annotations

import httpx

from notify.channels.base import PermanentFailure, TransientFailure

# nothing left our side: another provider may safely be tried
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def transport_failure(provider: str, error: httpx.TransportError) -> TransientFailure:
    sent = not isinstance(error, _NOT_SENT)
    return TransientFailure(provider, f"{type(error).__name__}: {error}", maybe_accepted=sent)


def status_failure(provider: str, response: httpx.Response) -> TransientFailure | PermanentFailure:
    detail = f"HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code in (408, 425, 429) or response.status_code >= 500:
        return TransientFailure(provider, detail)
    return PermanentFailure(provider, detail)
