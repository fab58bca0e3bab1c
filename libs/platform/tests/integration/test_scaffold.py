"""`aftercare new-service`: a throwaway service written into a temporary copy of the repository's
deploy files passes its own unit tests, lints, renders its Dockerfile and Kubernetes objects, and
runs embedded (SQLite, in-process bus) answering /healthz and gRPC health.

The repository itself (services/, uv.lock, libs/contracts) is never touched: the service's proto
is compiled into the temporary folder and found there."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aftercare
import grpc
import grpc_tools
import pytest
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.clock import SystemClock
from aftercare_platform.scaffold.render import new_service
from aftercare_platform.scaffold.services_table import read_table
from aftercare_platform.service.assemble import open_database
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.ports import free_port
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_tools import protoc

from .conftest import eventually

REPO = Path(__file__).resolve().parents[4]
NAME, PACKAGE, CLASS = "scaffold-check", "scaffold_check", "ScaffoldCheck"
TOOLS = Path(sys.executable).parent


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture
def scaffolded(tmp_path: Path) -> Iterator[Path]:
    """A temporary repository: the real deploy/ and lint configuration, with the new service written into it."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "deploy", root / "deploy")
    (root / "proto").mkdir()
    shutil.copy(REPO / "proto" / "buf.yaml", root / "proto" / "buf.yaml")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    new_service(root, NAME, http_port=18_999, grpc_port=58_999)
    generated = root / "generated"
    generated.mkdir()
    proto = f"aftercare/{PACKAGE}/v1/{PACKAGE}.proto"
    assert protoc.main(["grpc_tools.protoc", f"--proto_path={root / 'proto'}",
                        f"--proto_path={Path(grpc_tools.__file__).parent / '_proto'}",
                        f"--python_out={generated}", f"--grpc_python_out={generated}",
                        str(root / "proto" / proto)]) == 0
    yield root
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith((f"{PACKAGE}.", f"aftercare.{PACKAGE}"))]:
        del sys.modules[name]


def test_the_scaffold_writes_a_service_that_lints_and_is_wired_for_deployment(scaffolded: Path) -> None:
    root, folder = scaffolded, scaffolded / "services" / NAME
    assert read_table(root)[NAME].render() == f"{NAME}\t{PACKAGE}\t18999\t58999"
    for part in ("pyproject.toml", "README.md", "Dockerfile", "migrations/env.py", "migrations/script.py.mako",
                 "migrations/versions/0001_initial.py", *(f"src/{PACKAGE}/{m}.py" for m in (
                     "__main__", "bootstrap", "settings", "handlers", "reads", "domain/pings", "adapters/tables",
                     "entrypoints/grpc_api", "entrypoints/http_api", "entrypoints/consumers"))):
        assert (folder / part).is_file(), part
    assert '[project.entry-points."aftercare.services"]\nscaffold-check = "scaffold_check.bootstrap:definition"' \
        in (folder / "pyproject.toml").read_text()
    assert "op.create_table(" in (folder / "migrations/versions/0001_initial.py").read_text()
    run(TOOLS / "ruff", "check", "services", cwd=root)
    run(TOOLS / "buf", "lint", ".", cwd=root / "proto")
    run("bash", "deploy/docker/render-dockerfiles.sh", "--check", cwd=root)
    # the same kustomize that lint uses (installed by the script on a machine without one)
    renderer = run("bash", str(REPO / "scripts/validate-k8s.sh"), "--renderer", cwd=REPO).split()
    rendered = root / "dev.yaml"
    rendered.write_text(run(*renderer, "deploy/k8s/overlays/dev", cwd=root))
    assert "OK" in run(sys.executable, "deploy/k8s/check_rendered.py", rendered, cwd=root)


def test_the_scaffolded_service_passes_its_unit_tests(scaffolded: Path) -> None:
    # its code and its generated proto code are found in the temporary folder, beside the installed ones
    start = (f"import sys, aftercare, pytest; sys.path.insert(0, {str(scaffolded / 'services' / NAME / 'src')!r}); "
             f"aftercare.__path__.append({str(scaffolded / 'generated' / 'aftercare')!r}); "
             "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests/unit']))")
    output = run(sys.executable, "-c", start, cwd=scaffolded / "services" / NAME,
                 env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert " passed" in output and "failed" not in output, output


async def test_the_scaffolded_service_runs_embedded_and_answers_health_and_its_api(scaffolded: Path,
                                                                                    monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(scaffolded / "services" / NAME / "src"))
    monkeypatch.setattr(aftercare, "__path__", [*aftercare.__path__, str(scaffolded / "generated" / "aftercare")])
    definition = importlib.import_module(f"{PACKAGE}.bootstrap").definition
    pb = importlib.import_module(f"aftercare.{PACKAGE}.v1.{PACKAGE}_pb2")
    pb_grpc = importlib.import_module(f"aftercare.{PACKAGE}.v1.{PACKAGE}_pb2_grpc")
    reads_class = getattr(importlib.import_module(f"{PACKAGE}.reads"), f"{CLASS}Reads")
    settings = definition.settings(database_url=f"sqlite+aiosqlite:///{scaffolded / 'var' / 'aftercare.sqlite3'}",
                                   amqp_url="", http_port=free_port(), grpc_port=free_port())
    assert (settings.http_port, settings.grpc_port) != (18_999, 58_999)  # the table's ports are the defaults
    assert definition.settings_class().http_port == 18_999
    headers = [("authorization", f"Bearer {mint_token(settings, 'agent-1', 'agent', regions=['east'])}")]
    async with service_in_process(definition, settings) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{settings.grpc_port}") as channel:
        assert (await http.get("/healthz")).status_code == 200
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", f"aftercare.{PACKAGE}.v1.{CLASS}Service"):
            answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert answer.status == health_pb2.HealthCheckResponse.SERVING, service
        stub = getattr(pb_grpc, f"{CLASS}ServiceStub")(channel)
        reply = await stub.Ping(pb.PingRequest(text="hello"), metadata=headers)
        body = (await http.get(f"/v1/pings/{reply.ping.id}", headers=dict(headers))).json()
        assert (body["text"], body["by"]) == ("hello", "agent-1")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.Ping(pb.PingRequest(text=""), metadata=headers)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        reads = reads_class(open_database(definition, settings, SystemClock()))
        try:
            async def consumed() -> bool:
                return bool(await reads.received() == 1)

            await eventually(consumed, what="the pinged event consumed through the in-process bus")
        finally:
            await reads.database.close()
