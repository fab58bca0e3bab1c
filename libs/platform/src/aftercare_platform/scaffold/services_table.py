"""deploy/services.tsv: the one table of the deployables, their packages and ports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TABLE = Path("deploy") / "services.tsv"


@dataclass(frozen=True)
class ServiceLine:
    service: str
    package: str
    http_port: int
    grpc_port: int

    def render(self) -> str:
        return f"{self.service}\t{self.package}\t{self.http_port}\t{self.grpc_port}"


def repository_root(start: Path | None = None) -> Path:
    """The nearest folder, from `start` (the working directory) up, that holds deploy/services.tsv."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / TABLE).is_file():
            return folder
    raise FileNotFoundError(f"no {TABLE} in {here} or above: run this inside the Aftercare repository")


def read_table(root: Path) -> dict[str, ServiceLine]:
    lines: dict[str, ServiceLine] = {}
    for raw in (root / TABLE).read_text().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        service, package, http, grpc = raw.split("\t")
        lines[service] = ServiceLine(service, package, int(http), int(grpc))
    return lines


def add_line(root: Path, line: ServiceLine) -> None:
    """Appends a service to the table, refusing a port another service already has."""
    taken = {port: other.service for other in read_table(root).values()
             for port in (other.http_port, other.grpc_port)}
    for port in (line.http_port, line.grpc_port):
        if port in taken:
            raise ValueError(f"port {port} is already {taken[port]}'s in {TABLE}")
    path = root / TABLE
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") else "\n") + line.render() + "\n")
