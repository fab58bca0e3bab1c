"""The README says which services exist today, and keeps saying it as they land."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| (?P<service>[a-z-]+) \| (?P<built>yes|not yet) \| (?P<http>\d+) \| (?P<grpc>\d+) \|$")


def deployables() -> dict[str, tuple[str, str]]:
    rows = [line.split("\t") for line in (REPO / "deploy" / "services.tsv").read_text().splitlines()
            if line and not line.startswith("#")]
    return {row[0]: (row[2], row[3]) for row in rows}


def readme_rows() -> dict[str, tuple[bool, str, str]]:
    found = (ROW.match(line) for line in (REPO / "README.md").read_text().splitlines())
    return {m["service"]: (m["built"] == "yes", m["http"], m["grpc"]) for m in found if m}


def test_the_readme_table_names_every_deployable_with_its_ports() -> None:
    rows = readme_rows()
    assert {name: (http, grpc) for name, (_, http, grpc) in rows.items()} == deployables()


def test_the_readme_says_built_exactly_for_the_services_in_the_tree() -> None:
    built = {name for name, (is_built, _, _) in readme_rows().items() if is_built}
    in_tree = {path.parent.name for path in REPO.glob("services/*/pyproject.toml")}
    assert built == in_tree, "tick the README's `built` column for a service that landed"
