"""The REST API: engineers and rosters as their contract's JSON, who is on duty, holes, the
iCalendar feeds, and refusals as RFC 9457 problems."""

from __future__ import annotations

from datetime import datetime

import httpx
from aftercare_platform.auth.tokens import mint_token
from dispatch.entrypoints.cli import app as duty_cli
from icalendar import Calendar
from typer.testing import CliRunner

from .conftest import SETTINGS, Stack


def bearer(subject: str, role: str) -> dict[str, str]:
    return {"authorization": f"Bearer {mint_token(SETTINGS, subject, role)}"}


DAY_SHIFT = {
    "name": "East day desk", "region": "east", "team": "east-desk", "time_zone": "Asia/Shanghai",
    "layers": [{"name": "day", "member_ids": ["http-a", "http-b"], "rule": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
                "start_local": "2026-02-02T09:00:00", "shift_length": "30600s", "days": "working"}],
    "working_days": {"public_holidays": "CN"},
}


async def test_rosters_duty_holes_and_feeds_over_http(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.dispatchers[0].http_port}"
    boss, desk = bearer("sup-1", "supervisor"), bearer("desk-1", "agent")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for person in ("http-a", "http-b"):
            put = await http.put(f"/v1/engineers/{person}", headers=boss, json={
                "name": person, "tier": "duty_engineer", "regions": ["east"], "capacity": 5,
                "active": True})
            assert put.status_code == 200, put.text
            assert put.json()["tier"] == "duty_engineer"  # REST's one spelling, never ENGINEER_TIER_DUTY_ENGINEER
        assert (await http.put("/v1/rosters/east-desk", headers=boss, json=DAY_SHIFT)).status_code == 200

        # the swapped working Saturday of the 2026 Spring Festival: 10:00 Beijing is covered
        duty = (await http.get("/v1/duty", headers=desk,
                               params={"region": "east", "at": "2026-02-14T10:00:00+08:00"})).json()
        assert duty["engineer_ids"] == ["http-a"]
        # the holiday Monday: the working-day layer has nobody, and the roster says so
        holiday = (await http.get("/v1/duty", headers=desk,
                                  params={"region": "east", "at": "2026-02-16T10:00:00+08:00"})).json()
        assert holiday["engineer_ids"] == [] and holiday["rosters"][0]["hole"] is True

        gaps = (await http.get("/v1/rosters/east-desk/gaps", headers=desk, params={
            "start": "2026-02-14T00:00:00+08:00", "end": "2026-02-15T00:00:00+08:00"})).json()
        assert [(g["start"], g["end"]) for g in gaps] == [
            ("2026-02-13T16:00:00Z", "2026-02-14T01:00:00Z"), ("2026-02-14T09:30:00Z", "2026-02-14T16:00:00Z")]

        feed = await http.get("/v1/engineers/http-a/shifts.ics", headers=desk)
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        events = Calendar.from_ical(feed.content).walk("VEVENT")
        assert events and all("http-a" in str(e["summary"]) for e in events)
        starts = [e["dtstart"].dt for e in events]
        assert all(isinstance(s, datetime) for s in starts) and starts == sorted(starts)
        # an engineer reads their own feed, not a colleague's; a calendar app uses the signed link, no token
        assert (await http.get("/v1/engineers/http-a/shifts.ics", headers=bearer("http-a", "engineer"))).is_success
        other = await http.get("/v1/engineers/http-a/shifts.ics", headers=bearer("http-b", "engineer"))
        assert other.status_code == 403
        assert (await http.get("/v1/engineers/http-a/feed-link", headers=bearer("http-b", "engineer"))).status_code \
            == 403
        link = (await http.get("/v1/engineers/http-a/feed-link", headers=bearer("http-a", "engineer"))).json()["url"]
        signed = await http.get(link)
        assert signed.status_code == 200 and Calendar.from_ical(signed.content).walk("VEVENT")
        assert (await http.get("/v1/engineers/http-a/shifts.ics")).status_code == 401
        forged = link.replace("/http-a/", "/http-b/")
        assert (await http.get(forged)).status_code == 403
        roster_link = (await http.get("/v1/rosters/east-desk/feed-link", headers=desk)).json()["url"]
        assert (await http.get(roster_link)).status_code == 200

        # the same answer on the command line
        cli = CliRunner().invoke(duty_cli, ["--target", stack.dispatchers[0].target, "--token",
                                            mint_token(SETTINGS, "desk-1", "agent"), "now", "--region", "east",
                                            "--at", "2026-02-16T10:00:00+08:00"])
        assert cli.exit_code == 0, cli.output
        assert "nobody" in cli.output and "HOLE" in cli.output

        bad = await http.put("/v1/rosters/broken", headers=boss, json={**DAY_SHIFT, "time_zone": "Mars/Olympus"})
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
        assert "time_zone" in bad.text
        assert (await http.put("/v1/rosters/east-desk", headers=desk, json=DAY_SHIFT)).status_code == 403
        assert (await http.get("/v1/duty", headers=bearer("c-1", "customer"),
                               params={"region": "east"})).status_code == 403
