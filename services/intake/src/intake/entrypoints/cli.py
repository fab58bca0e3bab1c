"""`aftercare intake …`: the desk's entry and the registry's bulk import, over gRPC.

    aftercare intake submit --phone 13800138000 --description "camera 12 offline" [--serial SN-1] [--fax scan.pdf]
    aftercare intake receipt 6f1c…                         what became of a submission
    aftercare intake coverage --serial SN-1 [--date 2026-11-21]
    aftercare intake rejections [--channel email] [--reason too_large]   what was refused, and why
    aftercare intake import assets assets.csv [--errors bad-rows.csv]   with a progress bar

The token comes from --token or AFTERCARE_TOKEN (`aftercare token mint …`), the server from --target.
"""

from __future__ import annotations

import csv
import io
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from aftercare.common.v1 import common_pb2
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.cli.grpc_connection import GrpcConnection as Connection
from aftercare_platform.cli.grpc_connection import options_checked
from aftercare_platform.cli.service_app import service_app
from aftercare_platform.contracts.rest_json import to_rest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from intake.adapters.proto_mapping import CATEGORIES, CHANNELS, REGISTRY_KINDS, SEVERITIES
from intake.parsing.csv_import import ImportKind

console = Console()
# CSV chunks and faxed scans can exceed gRPC's default 4 MB
app = service_app("Enter reports, follow receipts, check coverage, import the registry (CSV).", service="intake",
                  stub_class=intake_pb2_grpc.IntakeServiceStub, default_target="127.0.0.1:50051", timeout=60.0,
                  options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])


def _show(message: Any) -> None:
    console.print_json(data=to_rest(message))


@app.command()
def submit(
    ctx: typer.Context,
    description: Annotated[str, typer.Option(help="What the caller said.")],
    name: Annotated[str, typer.Option(help="Caller's name.")] = "",
    phone: Annotated[str, typer.Option(help="Caller's phone.")] = "",
    email: Annotated[str, typer.Option(help="Caller's email.")] = "",
    company: Annotated[str, typer.Option(help="Company id or name, if the caller said.")] = "",
    contract: Annotated[str, typer.Option(help="Contract id.")] = "",
    site: Annotated[str, typer.Option(help="Site id or name.")] = "",
    serial: Annotated[str, typer.Option(help="Asset serial number.")] = "",
    manufacturer: Annotated[str, typer.Option(help="Asset manufacturer.")] = "",
    category: Annotated[str, typer.Option(help="A-G.")] = "",
    severity: Annotated[str, typer.Option(help="critical, major, general or non_fault.")] = "",
    case: Annotated[str, typer.Option(help="A case number the caller quoted: adds a note to it.")] = "",
    fax: Annotated[Path | None, typer.Option(help="A scanned fax: entered on the fax channel, attached.")] = None,
    attach: Annotated[list[Path] | None, typer.Option(help="Files to attach (repeatable).")] = None,
    request_id: Annotated[str, typer.Option(help="Your id for this entry (sending it twice makes one).")] = "",
) -> None:
    """Enter a hotline call (or a fax) as the desk."""
    files = ([fax] if fax else []) + list(attach or [])
    attachments = [pb.AttachmentUpload(filename=f.name, content_type=mimetypes.guess_type(f.name)[0] or "",
                                       content=f.read_bytes()) for f in files]
    with options_checked():
        category_number, severity_number = CATEGORIES.number(category, "--category"), \
            SEVERITIES.number(severity, "--severity")
    request = pb.SubmitCaseRequest(
        partner_request_id=request_id, reporter=pb.Reporter(name=name, phone=phone, email=email),
        hints=pb.ReportHints(company=company, contract_id=contract, site=site, serial_number=serial,
                             manufacturer=manufacturer),
        description=description, quoted_case_number=case, attachments=attachments,
        category=category_number,  # type: ignore[arg-type]
        stated_severity=severity_number,  # type: ignore[arg-type]
        channel=pb.INTAKE_CHANNEL_FAX if fax else pb.INTAKE_CHANNEL_AGENT_PHONE)
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        _show(connection.call(stub.SubmitCase, request))


@app.command()
def receipt(ctx: typer.Context, receipt_id: str) -> None:
    """What became of a submission: its case number once cases has opened it."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        _show(connection.call(stub.GetReceipt, pb.GetReceiptRequest(receipt_id=receipt_id)))


@app.command()
def rejections(
    ctx: typer.Context,
    channel: Annotated[str, typer.Option(help="Only this channel (email, sms, web_form, …).")] = "",
    reason: Annotated[str, typer.Option(help="Only this reason (too_large, bounce, malformed, …).")] = "",
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
) -> None:
    """What did not become a case or a note, and why (refused mail, unreadable SMS, reports cases refused)."""
    connection: Connection = ctx.obj
    with options_checked():
        wanted = CHANNELS.number(channel, "--channel")
    table = Table("received", "channel", "reason", "sender", "detail")
    shown, token = 0, ""
    with connection.stub() as stub:
        while shown < limit:
            page = connection.call(stub.ListRejections, pb.ListRejectionsRequest(
                channel=wanted, reason=reason,  # type: ignore[arg-type]
                page=common_pb2.PageRequest(page_size=min(200, limit - shown), page_token=token)))
            for item in page.rejections:
                table.add_row(item.received_at.ToJsonString(), CHANNELS.spell(item.channel) or "-", item.reason,
                              item.sender, item.detail[:120])
                shown += 1
            token = page.page.next_page_token
            if not token:
                break
    console.print(table)


@app.command()
def coverage(
    ctx: typer.Context,
    serial: Annotated[str, typer.Option(help="Asset serial number.")] = "",
    manufacturer: Annotated[str, typer.Option(help="Needed when two manufacturers share the serial.")] = "",
    contract: Annotated[str, typer.Option(help="A contract's whole system instead of one asset.")] = "",
    date: Annotated[str, typer.Option(help="YYYY-MM-DD; default today.")] = "",
) -> None:
    """Is this asset covered on that day, and why."""
    connection: Connection = ctx.obj
    with connection.stub() as stub:
        _show(connection.call(stub.CheckCoverage, pb.CheckCoverageRequest(
            serial_number=serial, manufacturer=manufacturer, contract_id=contract, date=date)))


def read_csv_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def chunks(text: str, rows_per_chunk: int) -> Iterator[tuple[int, int, bytes]]:
    """(first record's file row, records in it, the chunk as CSV with the header) over the file."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        yield 2, 0, text.encode()
        return
    first_row, batch = 2, []
    for record in reader:
        batch.append(record)
        if len(batch) == rows_per_chunk:
            yield first_row, len(batch), _serialise(header, batch)
            first_row, batch = first_row + len(batch), []
    if batch or first_row == 2:
        yield first_row, len(batch), _serialise(header, batch)


def _serialise(header: list[str], records: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(records)
    return out.getvalue().encode()


@app.command("import")
def import_registry(
    ctx: typer.Context,
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The CSV file (header row first).")],
    rows_per_call: Annotated[int, typer.Option(min=1, help="Records sent per call.")] = 2_000,
    errors: Annotated[Path | None, typer.Option(help="Write every bad row here (row,field,reason).")] = None,
) -> None:
    """Import companies, contacts, contracts, sites or assets: good rows kept, bad rows reported."""
    connection: Connection = ctx.obj
    text = read_csv_text(path)
    total = max(0, sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1)
    read = imported = 0
    bad: list[pb.RowError] = []
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with connection.stub() as stub, Progress(*columns, console=console) as progress:
        task = progress.add_task(f"importing {kind.value}", total=total)
        for first_row, count, chunk in chunks(text, rows_per_call):
            kind_number = REGISTRY_KINDS.number(kind)
            answer = connection.call(stub.ImportRegistry, pb.ImportRegistryRequest(
                kind=kind_number, csv=chunk, first_row=first_row))  # type: ignore[arg-type]
            read, imported = read + answer.rows_read, imported + answer.rows_imported
            bad.extend(e for e in answer.errors if e.row > 1 or first_row == 2)
            progress.update(task, advance=count)
    _report(read, imported, bad, errors)


def _report(read: int, imported: int, bad: list[pb.RowError], errors: Path | None) -> None:
    rejected = len({e.row for e in bad if e.row > 1})
    console.print(f"{read} rows read, [green]{imported} imported[/green], [red]{rejected} rejected[/red]")
    if bad:
        table = Table("row", "field", "reason", title="rows not imported" if len(bad) <= 50 else "first 50 errors")
        for error in bad[:50]:
            table.add_row(str(error.row), error.field, error.reason)
        console.print(table)
    if errors is not None:
        with errors.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "field", "reason"])
            writer.writerows([e.row, e.field, e.reason] for e in bad)
        console.print(f"every error written to {errors}")
    if bad:
        raise typer.Exit(code=2)
