"""dispatch routing and WhoIsOnDuty, measured on the pure domain (no database, no broker).

5,000 engineers in 5 regions, 50 rosters (10 per region: day, night, working-day and day-off
rotations over the shared Chinese calendar, with overrides and absences). Each routing decision
computes who is on duty in the case's region from its rosters, then filters and scores every
engineer of the region (1,000), and records the assignment in the workload (a burst).

    uv run python bench/bench_dispatch.py [--engineers 5000] [--rosters 50] [--decisions 3000] [--queries 3000]

Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from aftercare_platform.calendar import ALL_DAY, Calendar
from dispatch.domain.people import Engineer, Skills
from dispatch.domain.rosters import Absence, Override, Roster, RotationLayer, on_duty
from dispatch.domain.routing import CaseToRoute, DutyView, Workload, route
from dispatch.domain.vocabulary import DayFilter, EngineerTier
from machine import describe, percentile

REGIONS = ("east", "south", "north", "west", "central")
MANUFACTURERS = ("Hikvision", "Dahua", "Huawei", "Cisco", "H3C")
START = datetime(2026, 1, 5, 0, 0)  # a Monday, local wall time


def workdays() -> Calendar:
    weekly = (ALL_DAY,) * 5 + ((), ())
    return Calendar("cn", "Asia/Shanghai", weekly, public_holidays="CN", swapped_workday_windows=ALL_DAY)


def build(engineer_count: int, roster_count: int, rng: random.Random) -> tuple[dict[str, list[Engineer]],
                                                                              dict[str, list[Roster]]]:
    per_region = engineer_count // len(REGIONS)
    rosters_per_region = roster_count // len(REGIONS)
    calendar = workdays()
    staff: dict[str, list[Engineer]] = {}
    rosters: dict[str, list[Roster]] = {}
    for region in REGIONS:
        people = [
            Engineer(id=f"{region}-{i:04d}", subject=f"{region}-{i:04d}", name="", tier=EngineerTier.DUTY_ENGINEER,
                     regions=frozenset({region}), capacity=rng.randint(5, 15),
                     skills=Skills(manufacturers=frozenset(rng.sample(MANUFACTURERS, 3))))
            for i in range(per_region)
        ]  # fmt: skip
        staff[region] = people
        ids = [e.id for e in people]
        size = len(ids) // rosters_per_region
        rosters[region] = []
        for r in range(rosters_per_region):
            members = ids[r * size:(r + 1) * size]
            quarter = max(1, len(members) // 4)
            layers = (
                RotationLayer("day", tuple(members[:quarter]), "FREQ=DAILY;BYHOUR=9", START.replace(hour=9),
                              timedelta(hours=12), days=DayFilter.WORKING),
                RotationLayer("day-off", tuple(members[quarter:2 * quarter]), "FREQ=DAILY;BYHOUR=9",
                              START.replace(hour=9), timedelta(hours=12), days=DayFilter.NON_WORKING),
                RotationLayer("night", tuple(members[2 * quarter:3 * quarter]), "FREQ=DAILY;BYHOUR=21",
                              START.replace(hour=21), timedelta(hours=12)),
                RotationLayer("backup", tuple(members[3 * quarter:]), "FREQ=WEEKLY;BYDAY=MO;BYHOUR=0",
                              START, timedelta(days=7)),
            )  # fmt: skip
            base = datetime(2026, 2, 1, tzinfo=UTC)
            overrides = tuple(Override(rng.choice(members), base + timedelta(days=d), base + timedelta(days=d, hours=8))
                              for d in range(0, 60, 3))
            absences = tuple(Absence(rng.choice(members), base + timedelta(days=d), base + timedelta(days=d + 2))
                             for d in range(0, 60, 5))
            rosters[region].append(Roster(f"{region}-r{r}", "", region, f"team-{r}", "Asia/Shanghai", layers,
                                          overrides, (), absences, calendar))
    return staff, rosters


def duty_view(rosters: list[Roster], at: datetime) -> DutyView:
    answers = [on_duty(r, at) for r in rosters]
    absent = {a.engineer_id for r in rosters for a in r.absences if a.start <= at < a.end}
    return DutyView(frozenset(e for a in answers for e in a.engineer_ids), frozenset(absent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engineers", type=int, default=5000)
    parser.add_argument("--rosters", type=int, default=50)
    parser.add_argument("--decisions", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(7)
    staff, rosters = build(args.engineers, args.rosters, rng)
    print(describe())
    print(f"{args.engineers} engineers, {args.rosters} rosters in {len(REGIONS)} regions")

    # WhoIsOnDuty: one region's rosters at a random instant of Feb-Mar 2026 (Spring Festival included)
    base = datetime(2026, 2, 1, tzinfo=UTC)
    instants = [base + timedelta(seconds=rng.randrange(59 * 86400)) for _ in range(args.queries)]
    latencies = []
    for at in instants:
        region = rng.choice(REGIONS)
        started = time.perf_counter()
        [on_duty(r, at) for r in rosters[region]]
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    print(f"WhoIsOnDuty (one region, {args.rosters // len(REGIONS)} rosters): "
          f"p50 {percentile(latencies, 0.5) * 1e3:.2f} ms  p99 {percentile(latencies, 0.99) * 1e3:.2f} ms  "
          f"max {latencies[-1] * 1e3:.2f} ms")

    # routing: a burst of cases over the regions, each decision seeing the ones before it
    workload = Workload()
    at = datetime(2026, 2, 17, 3, tzinfo=UTC)  # a Spring Festival holiday morning in Beijing
    latencies = []
    assigned = 0
    started_all = time.perf_counter()
    for n in range(args.decisions):
        region = REGIONS[n % len(REGIONS)]
        case = CaseToRoute(f"c{n}", region, company_id=f"co{n % 50}", manufacturer=rng.choice(MANUFACTURERS))
        started = time.perf_counter()
        decision = route(case, staff[region], duty_view(rosters[region], at), workload, at)
        if decision.chosen is not None:
            workload.record_assignment(decision.chosen, at, "2026-02-17")
            assigned += 1
        latencies.append(time.perf_counter() - started)
    elapsed = time.perf_counter() - started_all
    latencies.sort()
    print(f"routing ({args.engineers // len(REGIONS)} engineers per region, duty computed per decision): "
          f"{args.decisions / elapsed:.0f} decisions/s  p50 {percentile(latencies, 0.5) * 1e3:.2f} ms  "
          f"p99 {percentile(latencies, 0.99) * 1e3:.2f} ms  ({assigned} assigned, "
          f"{args.decisions - assigned} to the desk)")
    given = [load.open_cases for load in workload.loads.values()]
    print(f"spread: {len(given)} engineers got cases, at most {max(given)} each")


if __name__ == "__main__":
    main()
