"""`aftercare intake …` against the running service: a chunked CSV import with its per-row report, and
a hotline call entered by the desk."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.cli.main import app
from typer.testing import CliRunner

from .conftest import LOOP, Customer, Intake

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


async def test_the_cli_imports_in_chunks_reports_bad_rows_and_enters_a_call(intake: Intake, tmp_path: Path):
    customer = await intake.register(Customer.make("cli"))
    rows = [f"CLI-{n:04d},Dahua,NVR,{customer.site_id},{customer.contract_id}" for n in range(25)]
    rows[12] = f"CLI-0012,Dahua,NVR,NO-SUCH-SITE,{customer.contract_id}"
    rows[20] = '"CLI-0020\nwith a newline",Dahua,NVR,,'
    source = tmp_path / "assets.csv"
    source.write_text("serial_number,manufacturer,model,site_id,contract_id\n" + "\n".join(rows) + "\n")
    report = tmp_path / "bad-rows.csv"
    token = mint_token(intake.settings, "agent-cli", "agent")
    env = {"AFTERCARE_TOKEN": token, "AFTERCARE_INTAKE_TARGET": f"127.0.0.1:{intake.settings.grpc_port}"}
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, app, [
        "intake", "import", "assets", str(source), "--rows-per-call", "10", "--errors", str(report)], env=env)
    assert result.exit_code == 2, result.output
    assert "25 rows read" in result.output and "23 imported" in result.output and "2 rejected" in result.output
    errors = report.read_text().splitlines()
    assert errors[0] == "row,field,reason"
    assert errors[1].startswith("14,site_id,site NO-SUCH-SITE is not registered")
    assert errors[2].startswith("22,serial_number,")  # row numbers are the file's, across chunks

    entered = await asyncio.to_thread(runner.invoke, app, [
        "intake", "submit", "--phone", customer.phone, "--description", "Caller: the NVR at gate 3 reboots",
        "--severity", "major", "--request-id", "desk-call-1"], env=env)
    assert entered.exit_code == 0, entered.output
    receipt = json.loads(entered.output)["receipt"]
    assert receipt["channel"] == "agent_phone" and receipt["case_number"]
    case = await intake.case(receipt["case_number"])
    assert case.company_id == customer.company_id


async def test_recorded_rejections_are_listed_by_the_api_and_the_cli(intake: Intake):
    marker = f"rejected-{id(intake)}@bounce.example"
    bounce = (f"From: Mail Delivery System <{marker}>\r\nTo: support@aftercare.example\r\n"
              "Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n\r\nno\r\n").encode()

    def send() -> None:
        import smtplib
        with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp:
            smtp.sendmail(marker, ["support@aftercare.example"], bounce)

    await asyncio.to_thread(send)
    listed = await intake.http.get("/v1/intake/rejections", params={"channel": "email", "page_size": 200},
                                   headers=intake.headers())
    assert listed.status_code == 200, listed.text
    mine = [item for item in listed.json()["items"] if item["sender"] == marker]
    assert len(mine) == 1 and mine[0]["reason"] in ("bounce", "auto_reply"), listed.json()
    hidden = await intake.http.get("/v1/intake/rejections", headers=dict(intake.auth("li", "customer", "ACME")))
    assert hidden.status_code == 403
    env = {"AFTERCARE_TOKEN": mint_token(intake.settings, "agent-cli", "agent"),
           "AFTERCARE_INTAKE_TARGET": f"127.0.0.1:{intake.settings.grpc_port}", "COLUMNS": "300"}
    shown = await asyncio.to_thread(CliRunner().invoke, app, ["intake", "rejections", "--channel", "email",
                                                              "--reason", mine[0]["reason"]], env=env)
    assert shown.exit_code == 0, shown.output
    assert marker in shown.output


async def test_a_refusal_at_the_smtp_protocol_level_is_recorded_and_listed(intake: Intake):
    import smtplib

    sender = f"huge-{id(intake)}@big.example"

    def announce_too_much() -> tuple[int, bytes]:
        with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp:
            smtp.ehlo()
            return smtp.mail(sender, options=[f"SIZE={10**12}"])

    code, _ = await asyncio.to_thread(announce_too_much)
    assert code == 552
    listed = await intake.http.get("/v1/intake/rejections", params={"channel": "email", "page_size": 200},
                                   headers=intake.headers())
    assert any(item["reason"] == "smtp_552" and item["field"] == "smtp" for item in listed.json()["items"]), \
        listed.json()
