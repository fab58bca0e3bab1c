"""The closed vocabularies of a report: channel, category, kind, stated severity, priority."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Channel(StrEnum):
    """Where a report came in; every channel normalises to one `IntakeRequest`."""

    AGENT_PHONE = "agent_phone"  # hotline call typed in by the service desk
    FAX = "fax"  # scanned fax typed in by the desk, the scan attached
    WEB_FORM = "web_form"
    EMAIL = "email"
    SMS = "sms"
    PARTNER = "partner"  # a partner system over gRPC
    ALARM = "alarm"  # a monitoring alarm
    INSPECTION = "inspection"  # a finding of a routine inspection


class Category(StrEnum):
    """The case category of the service plans (A–G)."""

    A = "A"  # daily question or fault
    B = "B"  # infrastructure: network, OS, hardware environment
    C = "C"  # upgrade / patch
    D = "D"  # software bug
    E = "E"  # third-party software
    F = "F"  # change request
    G = "G"  # service feedback


class CaseKind(StrEnum):
    CONSULTATION = "consultation"  # answered at once
    DEFECT = "defect"  # needs diagnosis and a fix


class StatedSeverity(StrEnum):
    """How bad the customer says it is; the agent still decides the priority."""

    CRITICAL = "critical"
    MAJOR = "major"
    GENERAL = "general"
    NON_FAULT = "non_fault"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """1 is the most urgent."""
        return int(self.value[1])


# Words customers use for severity, in English and Chinese (the plans' 灾难/严重/一般 scale included).
_SEVERITY_WORDS: dict[StatedSeverity, tuple[str, ...]] = {
    StatedSeverity.CRITICAL: (
        "critical",
        "catastrophic",
        "urgent",
        "emergency",
        "p1",
        "sev1",
        "1",
        "紧急",
        "特急",
        "灾难",
        "灾难性",
        "特别严重",
        "非常严重",
        "致命",
    ),
    StatedSeverity.MAJOR: ("major", "serious", "high", "p2", "sev2", "2", "严重", "重大", "重要", "较严重", "高"),
    StatedSeverity.GENERAL: (
        "general",
        "normal",
        "minor",
        "medium",
        "low",
        "p3",
        "sev3",
        "3",
        "一般",
        "普通",
        "中",
        "低",
    ),
    StatedSeverity.NON_FAULT: (
        "non_fault",
        "non-fault",
        "nonfault",
        "none",
        "question",
        "p4",
        "sev4",
        "4",
        "非故障",
        "咨询",
        "无故障",
    ),
}
_SEVERITY_LOOKUP = {word: severity for severity, words in _SEVERITY_WORDS.items() for word in words}


def parse_stated_severity(text: str | None) -> StatedSeverity | None:
    """The severity a customer typed ("紧急", "P2", "major"), or None when it says nothing we know."""
    if not text:
        return None
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()
    return _SEVERITY_LOOKUP.get(key)
