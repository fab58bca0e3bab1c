"""Importing a service's domain (every module of it) loads no I/O library: checked in a fresh interpreter.

The services are discovered from `services/*/src/*/domain`, so one that lands is covered at once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOMAINS = sorted(path.parent.parent.name for path in REPO.glob("services/*/src/*/domain/__init__.py"))
IO_LIBRARIES = ("grpc", "sqlalchemy", "aio_pika", "asyncpg", "fastapi", "httpx")

PROBE = """
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1] + ".domain")
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
loaded = sorted(name for name in sys.argv[2:] if name in sys.modules)
print(" ".join(loaded))
"""


def test_the_services_of_today_are_discovered() -> None:
    assert {"cases", "intake", "sla_timer"} <= set(DOMAINS), DOMAINS


@pytest.mark.parametrize("service", DOMAINS)
def test_a_domain_loads_no_io_library(service: str) -> None:
    result = subprocess.run([sys.executable, "-c", PROBE, service, *IO_LIBRARIES],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], f"{service}.domain loads {result.stdout.strip()}"
