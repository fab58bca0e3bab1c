"""Checklist templates, versioned: each save is a new version; an inspection keeps the one it started with.

Items are pass/fail, a value with thresholds, text, or a photo/file, in the sections the plans list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from aftercare_platform.errors import InvalidArgument

SECTIONS = ("database", "os", "application", "security", "logs", "alarms", "storage", "backup", "performance",
            "cleaning")


class ItemKind(StrEnum):
    PASS_FAIL = "pass_fail"
    VALUE = "value"
    TEXT = "text"
    FILE = "file"


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    title: str
    kind: ItemKind
    low: float | None = None  # a value below it fails
    high: float | None = None  # a value above it fails
    unit: str = ""


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    name: str
    items: tuple[Item, ...]
    created_at: datetime
    created_by: str

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise InvalidArgument.for_field("item_id", f"checklist {self.id} v{self.version} has no item {item_id!r}")


def new_version(previous: Checklist | None, *, checklist_id: str, name: str, items: tuple[Item, ...],
                at: datetime, by: str) -> Checklist:
    if not checklist_id.strip():
        raise InvalidArgument.for_field("checklist_id", "required")
    if not name.strip():
        raise InvalidArgument.for_field("name", "required")
    if not items:
        raise InvalidArgument.for_field("items", "a checklist has at least one item")
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not item.id.strip() or item.id in seen:
            raise InvalidArgument.for_field(f"{where}.id", "required and unique within the checklist")
        seen.add(item.id)
        if item.section not in SECTIONS:
            raise InvalidArgument.for_field(f"{where}.section", f"one of {list(SECTIONS)}")
        if not item.title.strip():
            raise InvalidArgument.for_field(f"{where}.title", "required")
        if item.kind is ItemKind.VALUE and item.low is None and item.high is None:
            raise InvalidArgument.for_field(f"{where}.low", "a value item needs a low or a high threshold")
        if item.low is not None and item.high is not None and item.low > item.high:
            raise InvalidArgument.for_field(f"{where}.high", "below the low threshold")
    version = 1 if previous is None else previous.version + 1
    return Checklist(checklist_id.strip(), version, name.strip(), items, at, by)


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    section: str
    title: str
    outcome: str  # "pass", "fail" or "recorded" (text, file)
    passed: bool | None = None
    value: float | None = None
    text: str = ""
    file_ref: str = ""
    needs_work: bool = False  # the engineer says it needs work even though it passed
    by: str = ""
    at: datetime | None = None

    @property
    def is_finding(self) -> bool:
        return self.outcome == "fail" or self.needs_work


def evaluate(item: Item, *, passed: bool | None, value: float | None, text: str, file_ref: str,
             needs_work: bool, by: str, at: datetime) -> ItemResult:
    """One item's result, checked against its kind; who and when come from the server, not the caller."""
    def made(outcome: str, ok: bool | None = None, measured: float | None = None, ref: str = "") -> ItemResult:
        return ItemResult(item_id=item.id, section=item.section, title=item.title, outcome=outcome, passed=ok,
                          value=measured, text=text.strip(), file_ref=ref, needs_work=needs_work, by=by, at=at)

    if item.kind is ItemKind.PASS_FAIL:
        if passed is None:
            raise InvalidArgument.for_field("passed", f"item {item.id} is pass/fail: say which")
        return made("pass" if passed else "fail", passed)
    if item.kind is ItemKind.VALUE:
        if value is None:
            raise InvalidArgument.for_field("value", f"item {item.id} takes a measured value")
        inside = (item.low is None or value >= item.low) and (item.high is None or value <= item.high)
        return made("pass" if inside else "fail", inside, value)
    if item.kind is ItemKind.TEXT:
        if not text.strip():
            raise InvalidArgument.for_field("text", f"item {item.id} takes a text")
        return made("recorded")
    if not file_ref.strip():
        raise InvalidArgument.for_field("file_ref", f"item {item.id} takes a photo or file")
    return made("recorded", ref=file_ref.strip())
