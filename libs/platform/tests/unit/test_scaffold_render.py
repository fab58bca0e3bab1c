"""The scaffold's decisions, on a temporary copy of deploy/: which ports, what it refuses, what it writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aftercare_platform.scaffold.render import (
    LEFT_OVER,
    NewService,
    ScaffoldError,
    Written,
    append_to_block,
    plan,
    wire_kubernetes,
    write_template,
)
from aftercare_platform.scaffold.services_table import ServiceLine, add_line, read_table, repository_root

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "deploy", tmp_path / "deploy")
    return tmp_path


def test_a_name_in_the_table_takes_its_ports(root: Path) -> None:
    service, new_line = plan(root, "dispatch")
    assert (service.line, new_line) == (ServiceLine("dispatch", "dispatch", 8004, 50054), False)
    assert plan(root, "dispatch", http_port=8004)[0] == service


def test_a_name_in_the_table_refuses_other_ports(root: Path) -> None:
    with pytest.raises(ScaffoldError, match="leave the ports out"):
        plan(root, "dispatch", http_port=9000, grpc_port=59000)


def test_a_name_not_in_the_table_needs_both_ports(root: Path) -> None:
    with pytest.raises(ScaffoldError, match="--http-port and --grpc-port"):
        plan(root, "field-visit", http_port=8010)
    service, new_line = plan(root, "field-visit", http_port=8010, grpc_port=50060)
    assert (service.line, new_line) == (ServiceLine("field-visit", "field_visit", 8010, 50060), True)


@pytest.mark.parametrize("name", ["Dispatch", "field_visit", "-x", "x-", "9lives", ""])
def test_a_name_that_is_not_kebab_case_is_refused(root: Path, name: str) -> None:
    with pytest.raises(ScaffoldError, match="lowercase words"):
        plan(root, name, http_port=8010, grpc_port=50060)


def test_an_existing_service_folder_is_never_overwritten(root: Path) -> None:
    (root / "services" / "dispatch").mkdir(parents=True)
    with pytest.raises(ScaffoldError, match="exists already"):
        plan(root, "dispatch")


def test_a_new_line_cannot_take_a_port_of_another_service(root: Path) -> None:
    with pytest.raises(ValueError, match="cases"):
        add_line(root, ServiceLine("field-visit", "field_visit", 8010, 50052))
    add_line(root, ServiceLine("field-visit", "field_visit", 8010, 50060))
    assert read_table(root)["field-visit"].grpc_port == 50060


def test_the_repository_is_found_from_a_folder_inside_it(root: Path) -> None:
    inside = root / "services" / "x" / "src"
    inside.mkdir(parents=True)
    assert repository_root(inside) == root.resolve()


def test_names_fill_every_placeholder() -> None:
    service = NewService(ServiceLine("sla-timer", "sla_timer", 8003, 50053))
    assert service.fill("@CLASS@Settings @SCHEMA@ @SERVICE@ @PACKAGE@ @HTTP_PORT@ @GRPC_PORT@") \
        == "SlaTimerSettings sla_timer sla-timer sla_timer 8003 50053"


def test_the_template_is_written_whole_and_keeps_what_the_repository_has(root: Path) -> None:
    service = NewService(ServiceLine("dispatch", "dispatch", 8004, 50054))
    written = Written()
    write_template(root, service, written)
    assert root / "deploy/k8s/base/dispatch/manifests.yaml" in written.kept  # built by hand: left alone
    assert root / "proto/aftercare/dispatch/v1/dispatch.proto" in written.created
    assert root / "services/dispatch/src/dispatch/bootstrap.py" in written.created
    for path in written.created:
        assert not LEFT_OVER.search(path.read_text()), path
        assert "@" not in str(path.relative_to(root)), path


def test_a_new_service_is_added_to_the_base_and_to_overlays_that_list_every_service(root: Path) -> None:
    before = {p: p.read_text() for p in (root / "deploy/k8s").rglob("kustomization.yaml")}
    written = Written()
    wire_kubernetes(root, NewService(ServiceLine("field-visit", "field_visit", 8010, 50060)), written)
    base, dev = root / "deploy/k8s/base/kustomization.yaml", root / "deploy/k8s/overlays/dev/kustomization.yaml"
    assert sorted(written.changed) == sorted([base, dev])
    last_resource = before[base].split("\nresources:\n", 1)[1].split("\n\n", 1)[0].splitlines()[-1]
    assert f"{last_resource}\n  - field-visit\n" in base.read_text()  # after the last deployable listed
    assert base.read_text().endswith('  - name: aftercare/field-visit\n'
                                     '    newName: registry.example.com/aftercare/field-visit\n    newTag: "0.1.0"\n')
    assert "  - name: field-visit-secrets\n    literals:\n      - AFTERCARE_DATABASE_URL=postgresql" in dev.read_text()
    for path, text in before.items():
        if path not in (base, dev):
            assert path.read_text() == text, path
    wire_kubernetes(root, NewService(ServiceLine("field-visit", "field_visit", 8010, 50060)), Written())
    assert base.read_text().count("  - field-visit\n") == 1  # a second run adds nothing


def test_an_item_is_appended_at_the_end_of_its_list_before_the_comments_of_the_next_key() -> None:
    text = "resources:\n  - a\n  # b later\n  - c\n\n# next\nimages:\n  - x\n"
    assert append_to_block(text, "resources", ["  - d"]) \
        == "resources:\n  - a\n  # b later\n  - c\n  - d\n\n# next\nimages:\n  - x\n"
