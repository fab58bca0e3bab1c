"""`aftercare duty …`: who is on duty, a roster's shifts and holes, why a case went to whom.

    aftercare duty now --region east [--team east-field] [--at 2026-02-16T10:00:00+08:00]
    aftercare duty shifts east-duty --start 2026-02-14T00:00:00+08:00 [--end …]
    aftercare duty gaps east-duty --start … [--end …]
    aftercare duty why <case-id>
    aftercare duty stock east-warehouse                                   levels and the latest moves
    aftercare duty check-in <visit-id> [--at 2026-12-03T09:41:00+08:00]   (the device's own time; default now)

The token comes from --token or AFTERCARE_TOKEN (`aftercare token mint …`), the server from --target.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare_platform.cli.grpc_connection import GrpcConnection as Connection
from aftercare_platform.cli.grpc_connection import fail
from aftercare_platform.cli.service_app import service_app
from google.protobuf.timestamp_pb2 import Timestamp

from dispatch.adapters.proto_values import stamp

app = service_app("Duty rosters and routing decisions (now, shifts, gaps, why).", service="dispatch",
                  stub_class=dispatch_pb2_grpc.DispatchServiceStub, default_target="127.0.0.1:50054")


def _instant(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not an ISO date-time with an offset")
    if value.tzinfo is None:
        fail(f"{option}: give an offset, e.g. 2026-02-16T10:00:00+08:00")
    return value


def _when(value: Timestamp) -> str:
    return value.ToDatetime().isoformat(timespec="minutes") + "Z"


@app.command("now")
def now(
    ctx: typer.Context,
    region: Annotated[str, typer.Option()],
    team: Annotated[str, typer.Option()] = "",
    at: Annotated[str, typer.Option(help="ISO instant with offset; default now.")] = "",
) -> None:
    """Who is on duty in a region (and team), roster by roster; a hole says so."""
    connection: Connection = ctx.obj
    request = pb.WhoIsOnDutyRequest(region=region, team=team,
                                    at_time=stamp(_instant(at, "--at")) if at else None)
    with connection.stub() as stub:
        answer = connection.call(stub.WhoIsOnDuty, request)
    typer.echo(f"on duty in {region} at {_when(answer.at_time)}: {', '.join(answer.engineer_ids) or 'nobody'}")
    for roster in answer.rosters:
        mark = "  HOLE" if roster.hole else ""
        typer.echo(f"  roster {roster.roster_id}{mark}")
        for slot in roster.on_duty:
            span = f"{_when(slot.start_time)} - {_when(slot.end_time)}"
            typer.echo(f"    {slot.engineer_id:<16} {slot.source:<28} {span}")
        for note in roster.notes:
            typer.echo(f"    note: {note}")


def _span(start: str, end: str) -> dict[str, Any]:
    return {"start_time": stamp(_instant(start, "--start")),
            "end_time": stamp(_instant(end, "--end")) if end else None}


Start = Annotated[str, typer.Option(help="ISO instant with offset.")]
End = Annotated[str, typer.Option(help="Default: a week after --start.")]


@app.command("shifts")
def list_shifts(ctx: typer.Context, roster: Annotated[str, typer.Argument()], start: Start, end: End = "") -> None:
    """A roster's shifts as worked (swaps applied) and its overrides."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        found = connection.call(stub.ListShifts, pb.ListShiftsRequest(roster_id=roster, **_span(start, end)))
    for shift in found.shifts:
        typer.echo(f"{_when(shift.start_time)} - {_when(shift.end_time)}  {shift.engineer_id:<16} {shift.source}")


@app.command("gaps")
def gaps(ctx: typer.Context, roster: Annotated[str, typer.Argument()], start: Start, end: End = "") -> None:
    """The holes of a roster: when nobody is on duty, and why."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        found = connection.call(stub.GetCoverage, pb.GetCoverageRequest(roster_id=roster, **_span(start, end)))
    for gap in found.gaps:
        typer.echo(f"{_when(gap.start_time)} - {_when(gap.end_time)}  {gap.reason}")
    if not found.gaps:
        typer.echo("covered throughout")


@app.command("why")
def why(ctx: typer.Context, case_id: Annotated[str, typer.Argument()]) -> None:
    """Every routing decision for a case: the candidates, the filters they failed, the rule that chose."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        found = connection.call(stub.ExplainAssignment, pb.ExplainAssignmentRequest(case_id=case_id))
    for d in found.decisions:
        typer.echo(f"{_when(d.decided_time)}  {d.purpose}: {d.chosen_engineer_id or 'nobody'} by {d.rule} "
                   f"[{d.state}]  {d.summary}")
        for c in d.candidates:
            typer.echo(f"    {c.engineer_id:<16} " + ("eligible" if c.eligible else "; ".join(c.failed)))


@app.command("check-in")
def check_in(
    ctx: typer.Context,
    visit_id: Annotated[str, typer.Argument()],
    at: Annotated[str, typer.Option(help="When you arrived, ISO with offset; default now.")] = "",
) -> None:
    """Check in on site: the on-site clock stops at --at, however late this reaches the server."""
    connection: Connection = ctx.obj
    arrived = _instant(at, "--at") if at else datetime.now(UTC)
    with connection.stub() as stub:
        visit = connection.call(stub.CheckIn, pb.CheckInRequest(visit_id=visit_id, occurred_at=stamp(arrived))).visit
    typer.echo(f"visit {visit.visit_id} on site since {_when(visit.checked_in_time)} "
               f"(heard at {_when(visit.check_in_received_time)})")


@app.command("stock")
def stock(ctx: typer.Context, depot: Annotated[str, typer.Argument()]) -> None:
    """A depot's spare parts (low ones marked) and its latest moves, each with its case."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        found = connection.call(stub.GetStock, pb.GetStockRequest(depot=depot))
    for level in found.levels:
        mark = "  LOW" if level.low else ""
        typer.echo(f"{level.part:<20} available {level.available:>4}  on hand {level.on_hand:>4}  "
                   f"reserved {level.reserved:>4}  defective {level.defective:>4}  minimum {level.minimum:>4}{mark}")
    for move in found.moves[:20]:
        typer.echo(f"  {_when(move.at_time)}  {move.kind:<16} {move.quantity:>4} x {move.part}  "
                   f"{move.case_id or '-'}  {move.note}")
