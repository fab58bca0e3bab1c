"""When to try a pending submission again: exponential backoff, capped, with jitter (pure).

Never given up: a report is kept until cases takes it (or refuses it for good)."""

from __future__ import annotations


def retry_delay(attempts: int, *, initial: float, cap: float, jitter: float = 0.0) -> float:
    """Seconds to wait after `attempts` failed attempts (1, 2, ...); `jitter` in [0, 1) spreads
    replicas' retries: the delay is scaled by (1 - jitter / 2) so it never exceeds the cap."""
    if attempts < 1:
        return 0.0
    exponent = min(attempts - 1, 32)  # 2**32 * anything is past any cap: no overflow, no huge floats
    delay = min(cap, initial * float(2**exponent))
    return float(delay * (1 - min(max(jitter, 0.0), 0.999) / 2))
