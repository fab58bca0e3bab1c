"""Windows of one consumer run side by side, but one subject's (an aggregate's) events apply in the order
they arrived: a window waits for the earlier windows holding any of its subjects."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class Turn:
    """One window's place in line: the earlier windows it waits for, and its own done-future."""

    order: SubjectOrder
    subjects: set[str]
    mine: asyncio.Future[None]
    ahead: set[asyncio.Future[None]]

    def must_wait(self) -> bool:
        return any(not earlier.done() for earlier in self.ahead)

    async def wait_for_earlier(self) -> None:
        if self.ahead:
            await asyncio.wait(self.ahead)

    def leave(self) -> None:
        """Done (handled, failed or cancelled): the windows behind it may go."""
        self.mine.set_result(None)
        for subject in self.subjects:
            if self.order.last_window_of.get(subject) is self.mine:
                del self.order.last_window_of[subject]


class SubjectOrder:
    def __init__(self) -> None:
        self.last_window_of: dict[str, asyncio.Future[None]] = {}
        # held while a window forms (takes events and enters): a window filling later may not enter earlier
        self.forming = asyncio.Lock()

    def enter(self, subjects: set[str]) -> Turn:
        """Register a window (no await: windows enter in the order they were formed) under its subjects."""
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ahead = {self.last_window_of[s] for s in subjects if s in self.last_window_of}
        for subject in subjects:
            self.last_window_of[subject] = mine
        return Turn(self, subjects, mine, ahead)
