"""The garbage collector's settings for a long-running service process."""

from __future__ import annotations

import gc

# young collections this many allocations apart, not CPython's 700: a request allocates thousands of short-lived
# objects (rows, protobuf messages, dicts), and each young collection also walks what survived the last one
YOUNG_GENERATION_THRESHOLD = 20_000


def settle_heap() -> None:
    """After start-up: what it built (modules, metadata, compiled statements, descriptors) lives as long as the
    process, so move it out of the collector's sight — every full collection otherwise walks it again — and
    collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
