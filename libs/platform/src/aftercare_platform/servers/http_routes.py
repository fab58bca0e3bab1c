"""The routes of a FastAPI app as a flat list, whichever way FastAPI keeps included routers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def flat_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, in matching order; included routers are searched as FastAPI does."""
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):  # FastAPI >= 0.140 keeps included routers as branches
            yield from flat_routes(candidates())
        else:
            yield route
