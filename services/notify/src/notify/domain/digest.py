"""Many held messages to one person become one digest that fits the channel: at most two SMS parts,
naming the count, what kind of notices and as many case numbers as fit, and pointing to the console."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from notify.domain.sms_length import fits

LABELS = {
    "en": {
        "sla.warning": "SLA warning",
        "sla.breached": "SLA breach",
        "case.assigned": "assignment",
        "case.complaint_filed": "complaint",
        "other": "update",
    },
    "zh-CN": {
        "sla.warning": "SLA预警",
        "sla.breached": "SLA超时",
        "case.assigned": "派单",
        "case.complaint_filed": "投诉",
        "other": "更新",
    },
}


@dataclass(frozen=True)
class HeldItem:
    case_number: str
    event_type: str


def _label(language: str, event_type: str) -> str:
    labels = LABELS.get(language, LABELS["en"])
    return labels.get(event_type, labels["other"])


def _kinds(items: Sequence[HeldItem], language: str) -> str:
    counts = Counter(_label(language, i.event_type) for i in items)
    sep = "，" if language == "zh-CN" else ", "
    times = "×" if language == "zh-CN" else " x "
    return sep.join(f"{n}{times}{label}" for label, n in counts.most_common())


def _compose(language: str, total: int, kinds: str, cases: list[str], more: int, url: str) -> str:
    if language == "zh-CN":
        tail = f"等{len(cases) + more}个案件" if more else ""
        return f"【Aftercare】{total}条通知已合并：{kinds}。案件：{'、'.join(cases)}{tail}。详见 {url}"
    tail = f" +{more} more" if more else ""
    return f"Aftercare: {total} notices held back: {kinds}. Cases: {', '.join(cases)}{tail}. See {url}"


def sms_digest(items: Sequence[HeldItem], language: str, console_url: str, max_segments: int = 2) -> str:
    """The digest text: every case number that fits within `max_segments` parts, the rest counted."""
    numbers = list(dict.fromkeys(i.case_number for i in items))
    kinds = _kinds(items, language)
    for shown in range(len(numbers), -1, -1):
        text = _compose(language, len(items), kinds, numbers[:shown], len(numbers) - shown, console_url)
        if fits(text, max_segments):
            return text
    # even the bare count is too long (a huge console URL): fall back to the count and the link
    short = f"Aftercare: {len(items)} notices. {console_url}"
    return short if fits(short, max_segments) else f"Aftercare: {len(items)} notices held back."


def email_digest(items: Sequence[HeldItem], language: str, console_url: str) -> tuple[str, str]:
    """Subject and plain text: an e-mail has room for every case."""
    numbers = list(dict.fromkeys(i.case_number for i in items))
    kinds = _kinds(items, language)
    if language == "zh-CN":
        subject = f"[Aftercare] {len(items)}条通知汇总"
        lines = [f"{len(items)}条通知已合并：{kinds}", "", *numbers, "", f"详见 {console_url}"]
    else:
        subject = f"[Aftercare] digest of {len(items)} notices"
        lines = [f"{len(items)} notices held back: {kinds}", "", *numbers, "", f"See {console_url}"]
    return subject, "\n".join(lines)
