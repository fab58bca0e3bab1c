"""What the `aftercare case` commands print, and how they name cases and enum values on the wire."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare_platform.contracts import EnumMap
from google.protobuf.descriptor import EnumDescriptor

from cases.adapters.proto_mapping import enum_map


def number_of(value: StrEnum) -> Any:
    """The proto enum number of a domain value (typed Any: each proto enum has its own ValueType)."""
    return enum_map(type(value)).number(value)


def word(descriptor: EnumDescriptor, number: int) -> str:
    """The short form the CLI prints (a number this CLI does not know yet: the number)."""
    return EnumMap.words(descriptor).spell(number) or "-"


def ref(case: str) -> dict[str, Any]:
    return {"case_number": case} if "-" in case and len(case) < 30 else {"case_id": case}


def print_case(case: pb.Case) -> None:
    typer.echo(f"{case.case_number}  {word(pb.CaseStatus.DESCRIPTOR, case.status)}  "
               f"{word(pb.Priority.DESCRIPTOR, case.priority)}  tier {word(pb.Tier.DESCRIPTOR, case.tier)}"
               f"  assignee {case.assignee_id or '-'}")
    typer.echo(f"  id {case.case_id}  region {case.region}  company {case.company_id or '-'}  "
               f"category {word(pb.Category.DESCRIPTOR, case.category)}  "
               f"kind {word(pb.CaseKind.DESCRIPTOR, case.kind)}")
    typer.echo(f"  {case.description}")
    allowed = ", ".join(word(pb.CaseAction.DESCRIPTOR, a) for a in case.allowed_actions)
    typer.echo(f"  allowed: {allowed or 'none'}")
