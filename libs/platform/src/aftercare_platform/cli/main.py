"""The `aftercare` command: a thin registry; each command group lives in its own module."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from aftercare_platform.cli import dlq, token
from aftercare_platform.cli.new_service import new_service_command
from aftercare_platform.cli.run import run_command

app = typer.Typer(name="aftercare", help="Aftercare platform commands.", no_args_is_help=True)

# one line per command group: app.add_typer(<module>.app, name="<group>")
app.add_typer(token.app, name="token")
app.add_typer(dlq.app, name="dlq")
app.command("run")(run_command)
app.command("new-service")(new_service_command)
# services add their own groups (`aftercare case …`) through the `aftercare.cli` entry points
for _group in entry_points(group="aftercare.cli"):
    app.add_typer(_group.load(), name=_group.name)


if __name__ == "__main__":
    app()
