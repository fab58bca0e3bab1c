"""The layering check (`scripts/check_layers.py`, run by `make lint`) fails on a broken rule, passes a clean tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "scripts" / "check_layers.py"

CLEAN_TREE = {
    "libs/platform/src/aftercare_platform/__init__.py": "",
    "libs/platform/src/aftercare_platform/errors.py": "class DomainError(Exception):\n    pass\n",
    "libs/platform/src/aftercare_platform/db/__init__.py": "import sqlalchemy\n",
    "libs/platform/src/aftercare_platform/servers/__init__.py": "import grpc\n",
    "libs/platform/src/aftercare_platform/bus/__init__.py": "import aio_pika\n",
    "libs/platform/src/aftercare_platform/bus/envelope.py": "class CloudEvent:\n    pass\n",
    "services/alpha/src/alpha/__init__.py": "",
    "services/alpha/src/alpha/domain/__init__.py": "",
    "services/alpha/src/alpha/domain/model.py": "from aftercare_platform.errors import DomainError\n",
    "services/alpha/src/alpha/adapters/__init__.py": "",
    "services/alpha/src/alpha/adapters/rows.py": "import sqlalchemy\n\nfrom alpha.domain import model\n",
    "services/alpha/src/alpha/entrypoints/__init__.py": "import grpc\n\nfrom aftercare_platform import servers\n",
    "services/beta/src/beta/__init__.py": "",
    "services/beta/src/beta/domain/__init__.py": "from datetime import datetime\n",
    "services/beta/src/beta/handlers.py": "from aftercare_platform import db\n\nfrom beta import domain\n",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHECK), "--root", str(root)], cwd=root,
                          capture_output=True, text=True, timeout=120)


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    result = run_check(write_tree(tmp_path, CLEAN_TREE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout, result.stdout


@pytest.mark.parametrize(("path", "text", "broken"), [
    ("services/alpha/src/alpha/domain/model.py", "import sqlalchemy\n",
     "alpha.domain is not allowed to import sqlalchemy"),
    ("services/alpha/src/alpha/domain/model.py", "from grpc import StatusCode\n",
     "alpha.domain is not allowed to import grpc"),
    ("services/beta/src/beta/domain/__init__.py", "import fastapi\n",
     "beta.domain is not allowed to import fastapi"),
    ("services/alpha/src/alpha/domain/model.py", "from aftercare_platform.db import engine\n",
     "alpha.domain is not allowed to import aftercare_platform.db"),
    ("services/alpha/src/alpha/domain/model.py", "from alpha.adapters import rows\n",
     "alpha.domain is not allowed to import alpha.adapters"),
    ("services/beta/src/beta/domain/__init__.py", "from ..handlers import db\n",
     "beta.domain is not allowed to import beta.handlers"),
    ("services/alpha/src/alpha/adapters/rows.py", "from alpha.entrypoints import grpc\n",
     "a service's roles import only the roles below them BROKEN"),
    ("services/beta/src/beta/domain/__init__.py", "from beta.handlers import domain\n",
     "a service's roles import only the roles below them BROKEN"),
    ("services/beta/src/beta/handlers.py", "from aftercare_platform.bus.envelope import CloudEvent\n",
     "beta.handlers is not allowed to import aftercare_platform.bus"),
    # indirectly: the platform module a domain uses loads grpc
    ("libs/platform/src/aftercare_platform/errors.py", "import grpc\n",
     "alpha.domain is not allowed to import grpc"),
    ("services/alpha/src/alpha/adapters/rows.py", "from beta.domain import datetime\n",
     "services never import each other BROKEN"),
    ("libs/platform/src/aftercare_platform/servers/__init__.py", "import alpha.entrypoints\n",
     "aftercare_platform is not allowed to import alpha"),
])
def test_a_broken_rule_fails_the_check(tmp_path: Path, path: str, text: str, broken: str) -> None:
    result = run_check(write_tree(tmp_path, {**CLEAN_TREE, path: text}))
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout, result.stdout


def test_a_service_that_lands_is_covered_without_editing_a_contract(tmp_path: Path) -> None:
    newcomer = {
        "services/gamma-svc/src/gamma/__init__.py": "",
        "services/gamma-svc/src/gamma/domain/__init__.py": "import httpx\n",
    }
    result = run_check(write_tree(tmp_path, {**CLEAN_TREE, **newcomer}))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "gamma.domain is not allowed to import httpx" in result.stdout, result.stdout


def test_this_repository_keeps_every_rule() -> None:
    result = run_check(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_scaffolded_service_keeps_every_rule(tmp_path: Path) -> None:
    from aftercare_platform.scaffold.render import new_service

    root = tmp_path / "repo"
    shutil.copytree(REPO / "deploy", root / "deploy")
    (root / "proto").mkdir()
    shutil.copy(REPO / "proto" / "buf.yaml", root / "proto" / "buf.yaml")
    (root / "libs" / "platform").mkdir(parents=True)
    (root / "libs" / "platform" / "src").symlink_to(REPO / "libs" / "platform" / "src")
    new_service(root, "layer-probe", http_port=18_998, grpc_port=58_998)
    result = run_check(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "layer_probe.domain is pure KEPT" in result.stdout, result.stdout
