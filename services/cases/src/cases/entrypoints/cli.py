"""`aftercare case …`: agents and operators work cases over gRPC.

    aftercare case open --company ACME --contract ACME-C1 --caller-name "Li Lei" --caller-phone 138… \\
        --description "camera 12 offline" --category A --kind defect --priority P2   (through intake)
    aftercare case show EA-20261121-000042          the case and its timeline
    aftercare case list --status in_progress --priority P1
    aftercare case note EA-… "called the customer" [--internal]
    aftercare case assign EA-… eng-7 | escalate EA-… --reason … | resolve EA-… --cause … | close EA-…

The token comes from --token or AFTERCARE_TOKEN (`aftercare token mint …`), the server from --target;
`open` goes through intake (`open --intake-target`), as the desk's own entry does.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.common.v1 import common_pb2
from aftercare_platform.cli.grpc_connection import GrpcConnection as Connection
from aftercare_platform.cli.service_app import service_app

from cases.domain.queries import SortDirection, SortField
from cases.domain.vocabulary import Priority, Status, Tier
from cases.entrypoints.cli_open import open_case
from cases.entrypoints.cli_output import number_of, print_case, ref, word

app = service_app("Work cases over gRPC (open, show, list, note, assign, escalate, resolve, close).",
                  service="cases", stub_class=cases_pb2_grpc.CaseServiceStub, default_target="127.0.0.1:50052")


app.command("open")(open_case)


@app.command("show")
def show(ctx: typer.Context, case: Annotated[str, typer.Argument(help="Case number or id.")]) -> None:
    """The case and its whole timeline."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        found = connection.call(stub.GetCase, pb.GetCaseRequest(**ref(case))).case
        print_case(found)
        typer.echo("timeline:")
        token = ""
        while True:
            page = connection.call(stub.GetTimeline, pb.GetTimelineRequest(
                case_id=found.case_id, page=common_pb2.PageRequest(page_size=200, page_token=token)))
            for entry in page.entries:
                who = f"{entry.actor.subject_id} ({word(common_pb2.ActorRole.DESCRIPTOR, entry.actor.role)})"
                mark = " [internal]" if entry.visibility == pb.VISIBILITY_INTERNAL else ""
                details = json.loads(entry.payload_json)
                typer.echo(f"  {entry.position:>4}  {entry.occurred_at.ToJsonString()}  {entry.kind}{mark}  by {who}")
                text = details.get("text") or details.get("reason") or details.get("message")
                if text:
                    typer.echo(f"        {text}")
            token = page.page.next_page_token
            if not token:
                break


@app.command("list")
def list_cases(
    ctx: typer.Context,
    status: Annotated[list[Status] | None, typer.Option(help="Repeat for several.")] = None,
    priority: Annotated[list[Priority] | None, typer.Option()] = None,
    company: Annotated[list[str] | None, typer.Option()] = None,
    assignee: Annotated[list[str] | None, typer.Option()] = None,
    region: Annotated[list[str] | None, typer.Option()] = None,
    query: Annotated[str, typer.Option(help="Search words (description, error codes, notes).")] = "",
    sort: Annotated[SortField, typer.Option()] = SortField.CREATED_AT,
    direction: Annotated[SortDirection, typer.Option()] = SortDirection.DESCENDING,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    supervisor_review: Annotated[bool, typer.Option(help="Only complaints awaiting the supervisor.")] = False,
    sla_breached: Annotated[bool, typer.Option(help="Only cases with a breached SLA clock.")] = False,
) -> None:
    """Cases by filter (newest first), or by search words with --query."""
    wanted = pb.CaseFilter(statuses=[number_of(s) for s in status or ()],
                           priorities=[number_of(p) for p in priority or ()], company_ids=company or [],
                           assignee_ids=assignee or [], regions=region or [], supervisor_review=supervisor_review,
                           sla_breached=sla_breached)
    page = common_pb2.PageRequest(page_size=limit)
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        if query:
            found = connection.call(stub.SearchCases, pb.SearchCasesRequest(
                query=query, filter=wanted, sort_field=number_of(sort), sort_direction=number_of(direction), page=page))
        else:
            found = connection.call(stub.ListCases, pb.ListCasesRequest(
                filter=wanted, sort_field=number_of(sort), sort_direction=number_of(direction), page=page))
    for case in found.cases:
        typer.echo(f"{case.case_number}  {word(pb.CaseStatus.DESCRIPTOR, case.status):<16} "
                   f"{word(pb.Priority.DESCRIPTOR, case.priority)}  {case.company_id or '-':<12} "
                   f"{case.assignee_id or '-':<12} {case.description[:60]}")
    if not found.cases:
        typer.echo("no cases")


@app.command("note")
def note(
    ctx: typer.Context, case: str, text: str,
    internal: Annotated[bool, typer.Option(help="Staff only; customers never see it.")] = False,
) -> None:
    """Add a note to the case's timeline."""
    visibility = pb.VISIBILITY_INTERNAL if internal else pb.VISIBILITY_PUBLIC
    _act(ctx, "AddNote", pb.AddNoteRequest(**ref(case), text=text, visibility=visibility))


@app.command("assign")
def assign(
    ctx: typer.Context, case: str, assignee: str,
    tier: Annotated[Tier | None, typer.Option(help="desk or engineer")] = None,
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    """Assign a new case, or reassign a case that has an assignee."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        current = connection.call(stub.GetCase, pb.GetCaseRequest(**ref(case))).case
    if current.status == pb.CASE_STATUS_NEW:
        _act(ctx, "Assign", pb.AssignRequest(**ref(case), assignee_id=assignee, reason=reason,
                                             tier=number_of(tier) if tier else pb.TIER_UNSPECIFIED))
    else:
        _act(ctx, "Reassign", pb.ReassignRequest(**ref(case), assignee_id=assignee, reason=reason))


@app.command("escalate")
def escalate(
    ctx: typer.Context, case: str,
    reason: Annotated[str, typer.Option()],
    to_tier: Annotated[Tier | None, typer.Option(help="Default: the next tier up.")] = None,
    rma: Annotated[bool, typer.Option(help="Send the hardware down the RMA path instead.")] = False,
) -> None:
    """Up a tier (desk → engineer → expert panel → original vendor) or to RMA."""
    _act(ctx, "Escalate", pb.EscalateRequest(**ref(case), reason=reason, to_rma=rma,
                                             to_tier=number_of(to_tier) if to_tier else pb.TIER_UNSPECIFIED))


@app.command("resolve")
def resolve(
    ctx: typer.Context, case: str,
    cause: Annotated[str, typer.Option()], method: Annotated[str, typer.Option()],
    result: Annotated[str, typer.Option()], prevention: Annotated[str, typer.Option()],
) -> None:
    """Resolve with the fault report: cause, method, result, prevention advice."""
    report = pb.FaultReport(cause=cause, method=method, result=result, prevention=prevention)
    _act(ctx, "Resolve", pb.ResolveRequest(**ref(case), fault_report=report))


@app.command("close")
def close(ctx: typer.Context, case: str, reason: Annotated[str, typer.Option()] = "") -> None:
    """Close a resolved case (the customer was asked)."""
    _act(ctx, "Close", pb.CloseRequest(**ref(case), reason=reason))


def _act(ctx: typer.Context, method: str, request: Any) -> None:
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        reply = connection.call(getattr(stub, method), request)
    print_case(reply.case)
