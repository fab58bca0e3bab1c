"""The layering rules, checked with import-linter on contracts generated from the tree.

The contracts are written from what is on disk (`services/*/src/<package>` and the platform), so a
service that lands is covered without anyone editing a contract. Rules:
- a service's `domain` imports no I/O library, none of the platform's I/O parts, and none of its
  own outer layers (directly or through another module);
- inside a service, a role imports only the roles below it:
  bootstrap > entrypoints > handlers | reads (independent) > adapters > domain;
- handlers and reads never see the bus (consumers in entrypoints read events into typed values);
- services never import each other;
- the platform never imports a service;
- the kit's probe service (`aftercare_platform.testing.probe_service`) keeps the same roles and pure domain.

Usage: `python scripts/check_layers.py [--root DIR] [--print-contracts]` (exit 0 = kept, 1 = broken).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# libraries that do I/O or speak a wire protocol: the edge's business, never the domain's
DOMAIN_FORBIDDEN_LIBRARIES = ("sqlalchemy", "grpc", "aio_pika", "asyncpg", "fastapi", "httpx")
# the platform's parts that do I/O
DOMAIN_FORBIDDEN_PLATFORM_PARTS = ("db", "bus", "outbox", "servers")
# a service's own layers outside the domain
DOMAIN_FORBIDDEN_OWN_LAYERS = ("adapters", "handlers", "entrypoints", "reads", "bootstrap")
# a service's roles, top to bottom (docs/conventions-notes.md); parentheses: a service may lack one
ROLE_LAYERS = ("(bootstrap)", "(entrypoints)", "(handlers) | (reads)", "(adapters)", "(domain)")

PLATFORM_PACKAGE = "aftercare_platform"


@dataclass(frozen=True)
class Package:
    name: str
    src: Path

    def has(self, part: str) -> bool:
        return (self.src / self.name / part).is_dir() or (self.src / self.name / f"{part}.py").is_file()


@dataclass(frozen=True)
class Tree:
    platform: Package | None
    services: tuple[Package, ...]

    @property
    def packages(self) -> tuple[Package, ...]:
        return ((self.platform,) if self.platform else ()) + self.services


def discover(root: Path) -> Tree:
    """Every package under `services/*/src/` (a folder with an `__init__.py`) and the platform's."""
    services = tuple(
        Package(init.parent.name, init.parent.parent)
        for init in sorted(root.glob("services/*/src/*/__init__.py"))
    )
    platform_src = root / "libs" / "platform" / "src"
    platform = Package(PLATFORM_PACKAGE, platform_src) if (platform_src / PLATFORM_PACKAGE).is_dir() else None
    return Tree(platform, services)


def contracts(tree: Tree) -> str:
    """An import-linter INI configuration holding every rule for this tree."""
    lines = [
        "[importlinter]",
        "root_packages =",
        *(f"    {package.name}" for package in tree.packages),
        # lets a contract forbid third-party libraries (they become leaves of the graph)
        "include_external_packages = True",
        "",
    ]

    def contract(key: str, name: str, kind: str, **fields: str | list[str]) -> None:
        lines.extend([f"[importlinter:contract:{key}]", f"name = {name}", f"type = {kind}"])
        for field, values in fields.items():
            if isinstance(values, str):
                lines.append(f"{field} = {values}")
                continue
            lines.append(f"{field} =")
            lines.extend(f"    {value}" for value in values)
        lines.append("")

    for service in tree.services:
        if not service.has("domain"):
            continue
        forbidden = list(DOMAIN_FORBIDDEN_LIBRARIES)
        if tree.platform:
            forbidden += [f"{PLATFORM_PACKAGE}.{part}" for part in DOMAIN_FORBIDDEN_PLATFORM_PARTS
                          if tree.platform.has(part)]
        forbidden += [f"{service.name}.{part}" for part in DOMAIN_FORBIDDEN_OWN_LAYERS if service.has(part)]
        contract(f"{service.name}-domain", f"{service.name}.domain is pure", "forbidden",
                 source_modules=[f"{service.name}.domain"], forbidden_modules=forbidden)
    readers = [f"{service.name}.{role}" for service in tree.services for role in ("handlers", "reads")
               if service.has(role)]
    if readers and tree.platform and tree.platform.has("bus"):
        contract("handlers-off-the-bus", "handlers and reads never see the bus", "forbidden",
                 source_modules=readers, forbidden_modules=[f"{PLATFORM_PACKAGE}.bus"],
                 # the unit of work they use emits through the outbox, which knows the envelope
                 allow_indirect_imports="True")
    if tree.platform and tree.platform.has("testing/probe_service"):
        # the kit's own example service (the one its tests run) keeps the shape it asks of every service
        probe = f"{PLATFORM_PACKAGE}.testing.probe_service"
        contract("probe-roles", "the probe service's roles import only the roles below them", "layers",
                 containers=[probe], layers=list(ROLE_LAYERS))
        contract("probe-domain", "the probe service's domain is pure", "forbidden",
                 source_modules=[f"{probe}.domain"],
                 forbidden_modules=[*DOMAIN_FORBIDDEN_LIBRARIES,
                                    *(f"{PLATFORM_PACKAGE}.{part}" for part in DOMAIN_FORBIDDEN_PLATFORM_PARTS),
                                    *(f"{probe}.{part}" for part in DOMAIN_FORBIDDEN_OWN_LAYERS
                                      if tree.platform.has(f"testing/probe_service/{part}"))])
    if tree.services:
        contract("service-roles", "a service's roles import only the roles below them", "layers",
                 containers=[service.name for service in tree.services], layers=list(ROLE_LAYERS))
    if len(tree.services) > 1:
        contract("services-independent", "services never import each other", "independence",
                 modules=[service.name for service in tree.services])
    if tree.platform and tree.services:
        contract("platform-below-services", "the platform never imports a service", "forbidden",
                 source_modules=[PLATFORM_PACKAGE], forbidden_modules=[service.name for service in tree.services])
    return "\n".join(lines)


def check(root: Path) -> int:
    tree = discover(root)
    if not tree.packages:
        print(f"no packages found under {root}", file=sys.stderr)
        return 1
    # the tree's own sources first, so a checked tree wins over what the environment installed
    sys.path[:0] = sorted({str(package.src) for package in tree.packages})
    from importlinter.cli import lint_imports

    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "layers.ini"
        config.write_text(contracts(tree))
        return lint_imports(config_filename=str(config), no_cache=True, no_logo=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--print-contracts", action="store_true", help="print the generated contracts and stop")
    args = parser.parse_args(argv)
    if args.print_contracts:
        print(contracts(discover(args.root)))
        return 0
    return check(args.root)


if __name__ == "__main__":
    sys.exit(main())
