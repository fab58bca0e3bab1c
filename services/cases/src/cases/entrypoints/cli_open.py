"""`aftercare case open`: the desk's hotline entry from a terminal. It goes through intake, as the desk's own
entry does (phone normalised, caller and asset identified, entitlement decided, the agent's priority beside
intake's suggestion), then prints the case and the resolved cases most like it."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

import typer
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare.intake.v1 import intake_pb2_grpc
from aftercare_platform.cli.grpc_connection import GrpcConnection as Connection
from aftercare_platform.cli.grpc_connection import fail

from cases.domain.vocabulary import Category, Kind, Priority
from cases.entrypoints.cli_output import number_of, print_case

SIMILAR_OFFERED = 3


def _wait_for_case(connection: Connection, receipt: intake_pb.Receipt) -> str:
    """The case number once intake delivered the report (it waits briefly itself; then we ask again)."""
    deadline = time.monotonic() + connection.timeout
    with connection.stub() as stub:
        while receipt.state == intake_pb.RECEIPT_STATE_PENDING and time.monotonic() < deadline:
            time.sleep(0.5)
            receipt = connection.call(stub.GetReceipt, intake_pb.GetReceiptRequest(receipt_id=receipt.receipt_id))
    if receipt.state == intake_pb.RECEIPT_STATE_FAILED:
        fail(f"intake could not open the case: {receipt.last_error}")
    if not receipt.case_number:
        fail(f"receipt {receipt.receipt_id} is still pending (cases unreachable?); ask again with "
             f"`aftercare intake receipt {receipt.receipt_id}`")
    return receipt.case_number


def open_case(
    ctx: typer.Context,
    description: Annotated[str, typer.Option()],
    caller_name: Annotated[str, typer.Option()],
    category: Annotated[Category, typer.Option()],
    kind: Annotated[Kind, typer.Option()],
    priority: Annotated[Priority | None, typer.Option(help="The priority you set; default: intake's suggestion.")]
    = None,
    company: Annotated[str, typer.Option(help="The customer's company, id or name (omit if unknown).")] = "",
    contract: Annotated[str, typer.Option()] = "",
    caller_phone: Annotated[str, typer.Option()] = "",
    caller_email: Annotated[str, typer.Option()] = "",
    error_code: Annotated[list[str] | None, typer.Option(help="Repeat for several.")] = None,
    manufacturer: Annotated[str, typer.Option()] = "",
    serial: Annotated[str, typer.Option()] = "",
    site: Annotated[str, typer.Option()] = "",
    request_id: Annotated[str, typer.Option(help="Idempotency key; default: a new UUID.")] = "",
    intake_target: Annotated[str, typer.Option(envvar="AFTERCARE_INTAKE_TARGET",
                                               help="host:port of the intake service.")] = "127.0.0.1:50051",
) -> None:
    """Open a case from a hotline call (through intake) and print it with the similar resolved cases."""
    request = intake_pb.SubmitCaseRequest(
        partner_request_id=request_id or str(uuid.uuid4()),
        reporter=intake_pb.Reporter(name=caller_name, phone=caller_phone, email=caller_email),
        hints=intake_pb.ReportHints(company=company, contract_id=contract, site=site, serial_number=serial,
                                    manufacturer=manufacturer),
        description=description, error_codes=error_code or [], category=number_of(category), kind=number_of(kind),
        priority=number_of(priority) if priority else pb.PRIORITY_UNSPECIFIED,
        channel=intake_pb.INTAKE_CHANNEL_AGENT_PHONE,
    )
    cases: Connection = ctx.obj
    intake = Connection(intake_target, cases.token, cases.timeout, intake_pb2_grpc.IntakeServiceStub)
    with intake.stub() as stub:
        receipt = intake.call(stub.SubmitCase, request).receipt
    number = _wait_for_case(intake, receipt)
    with cases.stub() as stub:
        case = cases.call(stub.GetCase, pb.GetCaseRequest(case_number=number)).case
        similar = cases.call(stub.FindSimilarCases, pb.FindSimilarCasesRequest(case_id=case.case_id,
                                                                               limit=SIMILAR_OFFERED)).cases
    print_case(case)
    if similar:
        typer.echo("similar resolved cases:")
    for offered in similar:
        report = offered.case.fault_report
        typer.echo(f"  {offered.case.case_number}  {offered.case.description[:60]}")
        typer.echo(f"        cause: {report.cause[:80]}  fix: {report.method[:80]}")
