"""`aftercare new-service <name>`: a complete, tested service in the conventional layout."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from aftercare_platform.scaffold.render import ScaffoldError, new_service
from aftercare_platform.scaffold.services_table import repository_root

_console = Console(stderr=True)


def new_service_command(
    name: str = typer.Argument(..., help="kebab-case, as in deploy/services.tsv: dispatch, field-visit"),
    http_port: int | None = typer.Option(None, help="only for a service deploy/services.tsv does not list yet"),
    grpc_port: int | None = typer.Option(None, help="only for a service deploy/services.tsv does not list yet"),
    root: Path | None = typer.Option(None, help="the repository (default: found from the working directory)"),
) -> None:
    """Write services/<name> (ping template), its proto, Kubernetes base and Dockerfile."""
    try:
        repository = repository_root(root)
        written = new_service(repository, name, http_port, grpc_port)
    except (ScaffoldError, FileNotFoundError, ValueError) as refused:
        _console.print(f"[red]{refused}[/]")
        raise typer.Exit(2) from refused
    for label, paths in (("created", written.created), ("changed", written.changed), ("kept", written.kept)):
        for path in paths:
            _console.print(f"{label:8} {path.relative_to(repository)}")
    _console.print(
        f"\nnext (`make new-service NAME={name}` does these): make proto · uv lock · make install · "
        f"uv run pytest -q services/{name}/tests/unit"
    )
