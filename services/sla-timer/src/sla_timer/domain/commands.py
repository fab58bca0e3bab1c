"""What a case or dispatch event asks of a case's clocks, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sla_timer.domain.vocabulary import ClockKind, Priority


class ClockOp(StrEnum):
    # start a clock; on a closed clock, start a new cycle (next visit, next repair)
    START = "START"
    # its own stop event: judged MET or BREACHED
    STOP = "STOP"
    # closed for another reason (case resolved or closed first): no verdict unless breached
    END = "END"
    PAUSE = "PAUSE"
    RESUME = "RESUME"
    CHANGE_PRIORITY = "CHANGE_PRIORITY"
    # start a new cycle of a clock that exists (never creates one)
    REOPEN = "REOPEN"
    # the stop did not hold (a rejected resolution): the same cycle runs on, the time since counts
    CONTINUE = "CONTINUE"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class ClockCommand:
    op: ClockOp
    # the event's own time: every rule judges by it, never by the time of delivery
    at: datetime
    # None: every clock the case has
    kind: ClockKind | None = None
    priority: Priority | None = None
    reason: str = ""
    # the moment the original vendor promised to answer (vendor.engaged): the vendor clock's deadline
    promised_by: datetime | None = None
