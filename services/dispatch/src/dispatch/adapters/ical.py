"""Shifts as an iCalendar (RFC 5545) feed, so engineers see their duty in their own calendar app."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from dispatch.domain.rosters import Shift


def shifts_feed(name: str, shifts: Iterable[Shift], generated_at: datetime) -> bytes:
    feed = Calendar()
    feed.add("prodid", "-//Aftercare//dispatch duty rosters//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    for shift in shifts:
        event = Event()
        # stable per shift: a re-fetched feed updates the same event instead of adding one
        event.add("uid", f"{shift.roster_id}/{shift.layer or 'override'}/{shift.engineer_id}/"
                         f"{shift.start.strftime('%Y%m%dT%H%M%SZ')}@aftercare")
        event.add("dtstamp", generated_at)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("summary", f"On duty: {shift.engineer_id} ({shift.roster_id})")
        event.add("description", f"{shift.source} of roster {shift.roster_id}")
        feed.add_component(event)
    return bytes(feed.to_ical())
