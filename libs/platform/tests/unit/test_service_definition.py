"""The service kit's declarations: typed settings, servicers without closures, default migrations, start order."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare_platform.scaffold.services_table import read_table
from aftercare_platform.service.definition import GrpcServicer, ServiceDefinition, ServiceParts
from aftercare_platform.service.registry import GROUP, installed_services, start_order
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.testing.probe_service.adapters.tables import metadata
from aftercare_platform.testing.probe_service.bootstrap import definition
from aftercare_platform.testing.probe_service.settings import ProbeSettings

ROOT = Path(__file__).resolve().parents[4]


class Recorder:
    def __init__(self) -> None:
        self.added: list[tuple[Any, Any]] = []


def test_a_grpc_servicer_is_added_by_its_generated_function_and_named_from_its_generated_module() -> None:
    servicer = object()
    server = Recorder()
    entry = GrpcServicer(lambda s, srv: srv.added.append(("added", s)), servicer)
    entry(server)
    assert server.added == [("added", servicer)]
    assert entry.service_name is None  # a hand-written function: no generated module to read a name from
    assert GrpcServicer(cases_pb2_grpc.add_CaseServiceServicer_to_server, servicer).service_name \
        == "aftercare.cases.v1.CaseService"


def test_service_parts_take_pairs_and_list_each_service_name_once() -> None:
    parts = ServiceParts(
        grpc_servicers=[(cases_pb2_grpc.add_CaseServiceServicer_to_server, object()), lambda server: None],
        grpc_service_names=["aftercare.probe.v1.ProbeService", "aftercare.cases.v1.CaseService"],
    )
    assert isinstance(parts.registrations[0], GrpcServicer)
    assert parts.service_names == ["aftercare.probe.v1.ProbeService", "aftercare.cases.v1.CaseService"]


def test_migrations_default_to_the_folder_beside_the_package() -> None:
    assert definition.migrations == Path(__file__).resolve().parents[2] / "src" / "aftercare_platform" / "testing" \
        / "probe_service" / "migrations"


def test_a_package_without_migrations_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match=r"aftercare_platform\.clock"):
        ServiceDefinition(name="x", package="aftercare_platform.clock", settings_class=ServiceSettings,
                          metadata=metadata, build=definition.build)


def test_settings_are_the_definitions_class_with_the_given_values() -> None:
    plain = ServiceSettings(http_port=18099, region="south")
    typed = definition.typed(plain)
    assert isinstance(typed, ProbeSettings)
    assert (typed.http_port, typed.region) == (18099, "south")
    own = definition.settings(grpc_port=50199)
    assert definition.typed(own) is own
    assert own.service_name == "probe"


def named(name: str, *after: str) -> ServiceDefinition:
    return ServiceDefinition(name=name, package=definition.package, settings_class=ProbeSettings,
                             metadata=metadata, build=definition.build, start_after=after)


def test_start_order_puts_each_service_after_those_it_names_then_by_name() -> None:
    found = [named("survey"), named("intake", "cases"), named("dispatch", "cases", "notify"), named("cases"),
             named("notify", "gone")]
    order = [d.name for d in start_order(found)]
    assert order == ["cases", "intake", "notify", "dispatch", "survey"]


def test_a_start_order_cycle_is_refused() -> None:
    with pytest.raises(RuntimeError, match="cycle"):
        start_order([named("a", "b"), named("b", "a")])


def test_installed_services_start_cases_first() -> None:
    names = [d.name for d in installed_services()]
    assert names.index("cases") < names.index("intake")
    assert names.index("cases") < names.index("sla-timer")


def test_every_installed_services_default_ports_are_its_line_in_services_tsv() -> None:
    table = read_table(ROOT)
    checked = []
    for entry in entry_points(group=GROUP):
        found = entry.load()
        assert found.name in table, f"{found.name} is installed but has no line in deploy/services.tsv"
        line = table[found.name]
        fields = found.settings_class.model_fields
        assert (found.package, fields["http_port"].default, fields["grpc_port"].default) \
            == (line.package, line.http_port, line.grpc_port), found.name
        assert fields["service_name"].default == found.name
        checked.append(found.name)
    assert {"cases", "intake", "sla-timer"} <= set(checked)
