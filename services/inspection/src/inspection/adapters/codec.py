"""Domain dataclasses to JSON documents and back, read by their type hints (dates as ISO text,
enums by value, nested dataclasses in tuples)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _read(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _read(options[0], raw)
    if origin is tuple:
        return tuple(_read(typing.get_args(hint)[0], item) for item in raw)
    if origin is dict:
        return dict(raw)
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return decode(hint, raw)
        if issubclass(hint, enum.Enum):
            return hint(raw)
        if issubclass(hint, datetime):
            return datetime.fromisoformat(raw)
        if issubclass(hint, date):
            return date.fromisoformat(raw)
        if hint is float:
            return float(raw)
    return raw


def decode(cls: type[T], document: dict[str, Any]) -> T:
    hints = _hints(cls)  # type: ignore[arg-type]
    fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: _read(hints[name], value) for name, value in document.items() if name in fields})
