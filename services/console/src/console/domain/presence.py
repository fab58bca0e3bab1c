"""Who else has a case open: the staff whose case page holds its live stream (per console process).
Pure bookkeeping; the live stream tells every watcher of the case when the set changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import count


@dataclass
class Presence:
    # case id -> {watch id: (subject, display name)}
    _watching: dict[str, dict[int, tuple[str, str]]] = field(default_factory=lambda: defaultdict(dict))
    _ids: count[int] = field(default_factory=count)

    def join(self, case_id: str, subject: str, name: str) -> int:
        watch = next(self._ids)
        self._watching[case_id][watch] = (subject, name or subject)
        return watch

    def leave(self, case_id: str, watch: int) -> None:
        self._watching[case_id].pop(watch, None)
        if not self._watching[case_id]:
            del self._watching[case_id]

    def others(self, case_id: str, subject: str) -> list[str]:
        """The names of everyone else on the case (one user in two tabs counts once; never oneself)."""
        return sorted({name for who, name in self._watching.get(case_id, {}).values() if who != subject})
