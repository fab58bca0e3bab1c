"""Parses every services/<name>/Dockerfile with BuildKit's own parser and checks what the image promises.

    python deploy/docker/check_dockerfiles.py

No container engine runs here, so images are not built in validation; this catches what a build
would only show later: a syntax error, a wrong port, a root user, an entrypoint that is not
`python -m <package>`, an unpinned uv, a sync that is not the locked, dev-less one of this service.
Needs the `dockerfile` package (Go's parser, PyPI); scripts/validate-k8s.sh supplies it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import dockerfile

ROOT = Path(__file__).resolve().parents[2]


def extra_ports(service: str) -> set[str]:
    """The service's ports beyond http and grpc (deploy/extra-ports.tsv: intake's SMTP)."""
    table = ROOT / "deploy" / "extra-ports.tsv"
    rows = [line.split("\t") for line in table.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return {port for name, _, port in rows if name == service}


def check(service: str, package: str, http: str, grpc: str) -> list[str]:
    path = ROOT / "services" / service / "Dockerfile"
    try:
        commands = dockerfile.parse_file(str(path))
    except dockerfile.GoParseError as error:
        return [f"does not parse: {error}"]
    problems: list[str] = []
    stages = [c for c in commands if c.cmd.upper() == "FROM"]
    if len(stages) < 2:
        problems.append("is not multi-stage")
    runtime = commands[commands.index(stages[-1]) :] if stages else commands

    def last(cmd: str) -> tuple[str, ...] | None:
        found = [c for c in runtime if c.cmd.upper() == cmd]
        return found[-1].value if found else None

    user = last("USER")
    if not user or user[0].split(":")[0] in ("0", "root"):
        problems.append(f"runtime user is {user}: not a non-root user")
    elif not user[0].split(":")[0].isdigit():
        problems.append(f"runtime user {user[0]} is not numeric (runAsNonRoot cannot verify a name)")
    exposed = {p for c in runtime if c.cmd.upper() == "EXPOSE" for p in c.value}
    wanted = {http, grpc, *extra_ports(service)}
    if exposed != wanted:
        problems.append(f"exposes {sorted(exposed)}, conventions and deploy/extra-ports.tsv say {sorted(wanted)}")
    if last("STOPSIGNAL") != ("SIGTERM",):
        problems.append("STOPSIGNAL is not SIGTERM")
    entrypoint = [c for c in runtime if c.cmd.upper() == "ENTRYPOINT"]
    if not entrypoint or not entrypoint[-1].json or list(entrypoint[-1].value) != ["python", "-m", package]:
        problems.append(f'entrypoint is not ["python", "-m", "{package}"] (exec form, so python is PID 1)')
    env = " ".join(" ".join(c.value) for c in runtime if c.cmd.upper() == "ENV")
    if "PYTHONUNBUFFERED" not in env:
        problems.append("PYTHONUNBUFFERED is not set")
    base = stages[-1].value[0] if stages else ""
    arg_defaults = {
        c.value[0].split("=", 1)[0]: c.value[0].split("=", 1)[1]
        for c in commands
        if c.cmd.upper() == "ARG" and "=" in c.value[0]
    }
    base = re.sub(r"\$\{?(\w+)\}?", lambda m: arg_defaults.get(m.group(1), m.group(0)), base)
    if not re.match(r"^python:3\.11[.\w-]*slim", base):
        problems.append(f"runtime image {base} is not a slim python:3.11")

    text = path.read_text()
    if not re.search(r"COPY --from=ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+ ", text):
        problems.append("uv is not copied from a pinned ghcr.io/astral-sh/uv:<x.y.z>")
    runs = " ".join(" ".join(c.value) for c in commands if c.cmd.upper() == "RUN")
    if f"uv sync --frozen --no-dev --package aftercare-{service}" not in re.sub(r"\s+", " ", runs):
        problems.append(f"no `uv sync --frozen --no-dev --package aftercare-{service}`")
    return problems


def main() -> int:
    failed = False
    for line in (ROOT / "deploy" / "services.tsv").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        service, package, http, grpc = line.split("\t")
        if not (ROOT / "services" / service / "pyproject.toml").exists():
            continue
        problems = check(service, package, http, grpc)
        for problem in problems:
            print(f"ERROR services/{service}/Dockerfile: {problem}")
        if problems:
            failed = True
        else:
            exposed = " ".join([http, grpc, *sorted(extra_ports(service))])
            print(
                f"OK    services/{service}/Dockerfile: multi-stage, uv-locked, non-root, "
                f"EXPOSE {exposed}, STOPSIGNAL SIGTERM, python -m {package}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
