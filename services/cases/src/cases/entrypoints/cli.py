"""`aftercare case …`: agents and operators work cases over gRPC.

    aftercare case open --region east --company ACME --caller-name "Li Lei" --caller-phone 138… \\
        --description "camera 12 offline" --category A --kind defect --priority P2
    aftercare case show EA-20261121-000042          the case and its timeline
    aftercare case list --status in_progress --priority P1
    aftercare case note EA-… "called the customer" [--internal]
    aftercare case assign EA-… eng-7 | escalate EA-… --reason … | resolve EA-… --cause … | close EA-…

The token comes from --token or AFTERCARE_TOKEN (`aftercare token mint …`), the server from --target.
"""

from __future__ import annotations

import json
import uuid
from enum import StrEnum
from typing import Annotated, Any

import typer
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.common.v1 import common_pb2
from aftercare_platform.cli.grpc_connection import GrpcConnection as Connection
from aftercare_platform.cli.service_app import service_app
from aftercare_platform.contracts import EnumMap
from google.protobuf.descriptor import EnumDescriptor

from cases.adapters.proto_mapping import enum_map
from cases.domain.queries import SortDirection, SortField
from cases.domain.vocabulary import Category, Kind, Priority, Status, Tier

app = service_app("Work cases over gRPC (open, show, list, note, assign, escalate, resolve, close).",
                  service="cases", stub_class=cases_pb2_grpc.CaseServiceStub, default_target="127.0.0.1:50052")


def _number(value: StrEnum) -> Any:
    """The proto enum number of a domain value (typed Any: each proto enum has its own ValueType)."""
    return enum_map(type(value)).number(value)


def _word(descriptor: EnumDescriptor, number: int) -> str:
    """The short form the CLI prints (a number this CLI does not know yet: the number)."""
    return EnumMap.words(descriptor).spell(number) or "-"


def _ref(case: str) -> dict[str, Any]:
    return {"case_number": case} if "-" in case and len(case) < 30 else {"case_id": case}


def _print_case(case: pb.Case) -> None:
    typer.echo(f"{case.case_number}  {_word(pb.CaseStatus.DESCRIPTOR, case.status)}  "
               f"{_word(pb.Priority.DESCRIPTOR, case.priority)}  tier {_word(pb.Tier.DESCRIPTOR, case.tier)}"
               f"  assignee {case.assignee_id or '-'}")
    typer.echo(f"  id {case.case_id}  region {case.region}  company {case.company_id or '-'}  "
               f"category {_word(pb.Category.DESCRIPTOR, case.category)}  "
               f"kind {_word(pb.CaseKind.DESCRIPTOR, case.kind)}")
    typer.echo(f"  {case.description}")
    allowed = ", ".join(_word(pb.CaseAction.DESCRIPTOR, a) for a in case.allowed_actions)
    typer.echo(f"  allowed: {allowed or 'none'}")


@app.command("open")
def open_case(
    ctx: typer.Context,
    region: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()],
    caller_name: Annotated[str, typer.Option()],
    category: Annotated[Category, typer.Option()],
    kind: Annotated[Kind, typer.Option()],
    priority: Annotated[Priority, typer.Option()],
    company: Annotated[str, typer.Option(help="The customer's company (omit with --unidentified).")] = "",
    contract: Annotated[str, typer.Option()] = "",
    caller_phone: Annotated[str, typer.Option()] = "",
    caller_email: Annotated[str, typer.Option()] = "",
    error_code: Annotated[list[str] | None, typer.Option(help="Repeat for several.")] = None,
    manufacturer: Annotated[str, typer.Option()] = "",
    serial: Annotated[str, typer.Option()] = "",
    site: Annotated[str, typer.Option()] = "",
    unidentified: Annotated[bool, typer.Option()] = False,
    request_id: Annotated[str, typer.Option(help="Idempotency key; default: a new UUID.")] = "",
) -> None:
    """Open a case (hotline) and print its number."""
    request = pb.CreateCaseRequest(
        request_id=request_id or str(uuid.uuid4()), region=region, company_id=company, contract_id=contract,
        caller=pb.Caller(name=caller_name, phone=caller_phone, email=caller_email),
        asset=pb.Asset(manufacturer=manufacturer, serial_number=serial, site=site),
        description=description, error_codes=error_code or [], category=_number(category), kind=_number(kind),
        priority=_number(priority), channel=pb.CHANNEL_HOTLINE, unidentified=unidentified,
    )
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        reply = connection.call(stub.CreateCase, request)
    _print_case(reply.case)


@app.command("show")
def show(ctx: typer.Context, case: Annotated[str, typer.Argument(help="Case number or id.")]) -> None:
    """The case and its whole timeline."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        found = connection.call(stub.GetCase, pb.GetCaseRequest(**_ref(case))).case
        _print_case(found)
        typer.echo("timeline:")
        token = ""
        while True:
            page = connection.call(stub.GetTimeline, pb.GetTimelineRequest(
                case_id=found.case_id, page=common_pb2.PageRequest(page_size=200, page_token=token)))
            for entry in page.entries:
                who = f"{entry.actor.subject_id} ({_word(common_pb2.ActorRole.DESCRIPTOR, entry.actor.role)})"
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
) -> None:
    """Cases by filter (newest first), or by search words with --query."""
    wanted = pb.CaseFilter(statuses=[_number(s) for s in status or ()], priorities=[_number(p) for p in priority or ()],
                           company_ids=company or [], assignee_ids=assignee or [], regions=region or [])
    page = common_pb2.PageRequest(page_size=limit)
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        if query:
            found = connection.call(stub.SearchCases, pb.SearchCasesRequest(
                query=query, filter=wanted, sort_field=_number(sort), sort_direction=_number(direction), page=page))
        else:
            found = connection.call(stub.ListCases, pb.ListCasesRequest(
                filter=wanted, sort_field=_number(sort), sort_direction=_number(direction), page=page))
    for case in found.cases:
        typer.echo(f"{case.case_number}  {_word(pb.CaseStatus.DESCRIPTOR, case.status):<16} "
                   f"{_word(pb.Priority.DESCRIPTOR, case.priority)}  {case.company_id or '-':<12} "
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
    _act(ctx, "AddNote", pb.AddNoteRequest(**_ref(case), text=text, visibility=visibility))


@app.command("assign")
def assign(
    ctx: typer.Context, case: str, assignee: str,
    tier: Annotated[Tier | None, typer.Option(help="desk or engineer")] = None,
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    """Assign a new case, or reassign a case that has an assignee."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        current = connection.call(stub.GetCase, pb.GetCaseRequest(**_ref(case))).case
    if current.status == pb.CASE_STATUS_NEW:
        _act(ctx, "Assign", pb.AssignRequest(**_ref(case), assignee_id=assignee, reason=reason,
                                             tier=_number(tier) if tier else pb.TIER_UNSPECIFIED))
    else:
        _act(ctx, "Reassign", pb.ReassignRequest(**_ref(case), assignee_id=assignee, reason=reason))


@app.command("escalate")
def escalate(
    ctx: typer.Context, case: str,
    reason: Annotated[str, typer.Option()],
    to_tier: Annotated[Tier | None, typer.Option(help="Default: the next tier up.")] = None,
    rma: Annotated[bool, typer.Option(help="Send the hardware down the RMA path instead.")] = False,
) -> None:
    """Up a tier (desk → engineer → expert panel → original vendor) or to RMA."""
    _act(ctx, "Escalate", pb.EscalateRequest(**_ref(case), reason=reason, to_rma=rma,
                                             to_tier=_number(to_tier) if to_tier else pb.TIER_UNSPECIFIED))


@app.command("resolve")
def resolve(
    ctx: typer.Context, case: str,
    cause: Annotated[str, typer.Option()], method: Annotated[str, typer.Option()],
    result: Annotated[str, typer.Option()], prevention: Annotated[str, typer.Option()],
) -> None:
    """Resolve with the fault report: cause, method, result, prevention advice."""
    report = pb.FaultReport(cause=cause, method=method, result=result, prevention=prevention)
    _act(ctx, "Resolve", pb.ResolveRequest(**_ref(case), fault_report=report))


@app.command("close")
def close(ctx: typer.Context, case: str, reason: Annotated[str, typer.Option()] = "") -> None:
    """Close a resolved case (the customer was asked)."""
    _act(ctx, "Close", pb.CloseRequest(**_ref(case), reason=reason))


def _act(ctx: typer.Context, method: str, request: Any) -> None:
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        reply = connection.call(getattr(stub, method), request)
    _print_case(reply.case)
