"""The default policy set shipped as YAML inside the package (sla_timer/defaults/)."""

from __future__ import annotations

from importlib.resources import files

from sla_timer.domain.policy import PolicySet
from sla_timer.domain.policy_yaml import load_policy_set

DEFAULT_FILES = ("calendars.yaml", "policies.yaml")


def default_documents() -> tuple[str, ...]:
    folder = files("sla_timer.defaults")
    return tuple(folder.joinpath(name).read_text(encoding="utf-8") for name in DEFAULT_FILES)


def load_default_policy_set() -> PolicySet:
    """The calendars and policies of domain.md, validated; what the service loads at first start."""
    return load_policy_set(*default_documents(), source="defaults")
