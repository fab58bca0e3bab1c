"""Writes a new service from `template/` into the repository: its folder, proto, Kubernetes base,
its line in deploy/services.tsv (when it had none), its Dockerfile; then the repository knows it.

Template files end in `.tmpl`; `@SERVICE@`, `@PACKAGE@`, `@SCHEMA@`, `@CLASS@`, `@HTTP_PORT@` and
`@GRPC_PORT@` are replaced in their paths and text (as in deploy/docker/service.Dockerfile)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from aftercare_platform.scaffold.services_table import ServiceLine, add_line, read_table

TEMPLATE = Path(__file__).parent / "template"
SUFFIX = ".tmpl"
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
LEFT_OVER = re.compile(r"@[A-Z_]+@")
# what goes into the repository only when it is not there yet (a service built by hand may have it)
SHARED_PARTS = ("proto/", "deploy/")


class ScaffoldError(Exception):
    """The service cannot be written as asked; the message says why and what to do."""


@dataclass(frozen=True)
class NewService:
    line: ServiceLine

    @property
    def values(self) -> dict[str, str]:
        name = self.line.service
        return {
            "@SERVICE@": name,
            "@PACKAGE@": self.line.package,
            "@SCHEMA@": name.replace("-", "_"),
            "@CLASS@": "".join(part.capitalize() for part in name.split("-")),
            "@HTTP_PORT@": str(self.line.http_port),
            "@GRPC_PORT@": str(self.line.grpc_port),
        }

    def fill(self, text: str) -> str:
        for token, value in self.values.items():
            text = text.replace(token, value)
        return text


@dataclass
class Written:
    """What the scaffold did, for the command to print."""

    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # shared parts already there, left as they were
    changed: list[Path] = field(default_factory=list)


def plan(root: Path, name: str, http_port: int | None = None, grpc_port: int | None = None) -> tuple[NewService, bool]:
    """The service's line (its own or a new one from the given ports) and whether the table must grow."""
    if not NAME.match(name):
        raise ScaffoldError(f"name {name!r}: lowercase words joined by '-', e.g. 'dispatch' or 'field-visit'")
    if (root / "services" / name).exists():
        raise ScaffoldError(f"services/{name} exists already: the scaffold writes new services only")
    known = read_table(root).get(name)
    if known is not None:
        given = (http_port or known.http_port, grpc_port or known.grpc_port)
        if given != (known.http_port, known.grpc_port):
            raise ScaffoldError(f"{name} has ports {known.http_port}/{known.grpc_port} in deploy/services.tsv, "
                                f"not {given[0]}/{given[1]}: leave the ports out")
        return NewService(known), False
    if http_port is None or grpc_port is None:
        raise ScaffoldError(f"{name} is not in deploy/services.tsv: give --http-port and --grpc-port "
                            "to add it (the conventions table of ports)")
    return NewService(ServiceLine(name, name.replace("-", "_"), http_port, grpc_port)), True


def write_template(root: Path, service: NewService, written: Written) -> None:
    for source in sorted(TEMPLATE.rglob(f"*{SUFFIX}")):
        relative = service.fill(str(source.relative_to(TEMPLATE)).removesuffix(SUFFIX))
        target = root / relative
        if relative.startswith(SHARED_PARTS) and target.exists():
            written.kept.append(target)
            continue
        text = service.fill(source.read_text())
        if LEFT_OVER.search(text):
            raise ScaffoldError(f"template {source.name} has an unknown placeholder {LEFT_OVER.search(text)}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written.created.append(target)


def append_to_block(text: str, key: str, lines: list[str]) -> str:
    """`lines` added at the end of the top-level YAML list `key:` (comments and formatting kept)."""
    rows = text.splitlines()
    start = rows.index(f"{key}:")
    end = start + 1
    for at in range(start + 1, len(rows)):
        if rows[at] and not rows[at].startswith((" ", "-", "#")):
            break
        if rows[at].strip() and not rows[at].lstrip().startswith("#"):
            end = at + 1
    return "\n".join([*rows[:end], *lines, *rows[end:]]) + "\n"


def wire_kubernetes(root: Path, service: NewService, written: Written) -> None:
    """A new service in the base (its folder, its image) and in overlays that list every service."""
    name = service.line.service
    base = root / "deploy" / "k8s" / "base" / "kustomization.yaml"
    if base.exists() and f"  - {name}\n" not in base.read_text():
        text = append_to_block(base.read_text(), "resources", [f"  - {name}"])
        text = append_to_block(text, "images", [f"  - name: aftercare/{name}",
                                                f"    newName: registry.example.com/aftercare/{name}",
                                                '    newTag: "0.1.0"'])
        base.write_text(text)
        written.changed.append(base)
    for overlay in sorted((root / "deploy" / "k8s" / "overlays").glob("*/kustomization.yaml")):
        text = overlay.read_text()
        if f"{name}-secrets" in text or "-secrets\n    literals:" not in text:
            continue  # a region whose Secrets are made out of band names none here
        url = re.search(r"- name: \S+-secrets\n    literals:\n      - (AFTERCARE_DATABASE_URL=\S+)", text)
        text = append_to_block(text, "secretGenerator", [f"  - name: {name}-secrets", "    literals:",
                                                         f"      - {url[1] if url else 'AFTERCARE_DATABASE_URL='}"])
        if "newName: aftercare/" in text:
            text = append_to_block(text, "images", [f"  - name: registry.example.com/aftercare/{name}",
                                                    f"    newName: aftercare/{name}", "    newTag: dev"])
        overlay.write_text(text)
        written.changed.append(overlay)


def render_dockerfile(root: Path, service: NewService, written: Written) -> None:
    script = root / "deploy" / "docker" / "render-dockerfiles.sh"
    if script.exists():
        subprocess.run(["bash", str(script)], check=True, capture_output=True)
        written.created.append(root / "services" / service.line.service / "Dockerfile")


def sort_imports(root: Path, service: NewService) -> None:
    """Import order depends on the package's name (first party sorts among the others): ruff puts it right."""
    if importlib.util.find_spec("ruff") is not None:
        folder = root / "services" / service.line.service
        subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "--select", "I", "--quiet", str(folder)],
                       cwd=root, check=False, capture_output=True)


def new_service(root: Path, name: str, http_port: int | None = None, grpc_port: int | None = None) -> Written:
    service, new_line = plan(root, name, http_port, grpc_port)
    written = Written()
    if new_line:
        add_line(root, service.line)
        written.changed.append(root / "deploy" / "services.tsv")
    write_template(root, service, written)
    sort_imports(root, service)
    if new_line:
        wire_kubernetes(root, service, written)
    render_dockerfile(root, service, written)
    return written
