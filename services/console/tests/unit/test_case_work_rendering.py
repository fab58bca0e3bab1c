"""The case page's visits and loaners (dispatch's ListVisits / ListLoaners), shaped and rendered in en and
zh-CN: planned time, engineer, status; device and due back; nothing left untranslated."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from console.domain.i18n import TEXT
from console.entrypoints.case_work import loaners_view, visits_view
from console.entrypoints.web import _env


def render(lang: str, work: dict[str, Any] | None) -> str:
    return _env.get_template("case_work.html").render(t=TEXT[lang], lang=lang, iso=lambda d: d.isoformat(), work=work)


def stamped(message: Any, field: str, at: datetime) -> Any:
    getattr(message, field).FromDatetime(at)
    return message


def work() -> dict[str, Any]:
    planned = stamped(pb.Visit(visit_id="v2", engineer_id="eng-zhao", status=pb.VISIT_STATUS_PLANNED),
                      "planned_time", datetime(2026, 12, 4, 9, 30, tzinfo=UTC))
    requested = stamped(pb.Visit(visit_id="v1", status=pb.VISIT_STATUS_REQUESTED),
                        "requested_time", datetime(2026, 12, 5, 8, 0, tzinfo=UTC))
    loaner = stamped(pb.Loaner(loaner_id="l1", serial_number="NVR-L-9", device_class=3, status=pb.LOANER_STATUS_ISSUED),
                     "due_back_time", datetime(2027, 1, 15, tzinfo=UTC))
    return {"visits": visits_view([requested, planned]), "loaners": loaners_view([loaner])}


def test_visits_are_shaped_earliest_first_with_their_short_status() -> None:
    shaped = work()
    assert [(v["id"], v["status"], v["engineer"]) for v in shaped["visits"]] == [
        ("v2", "planned", "eng-zhao"), ("v1", "requested", "")]
    assert shaped["visits"][0]["planned"] == datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    assert shaped["visits"][1]["planned"] is None
    assert shaped["loaners"] == [{"id": "l1", "serial": "NVR-L-9", "device_class": 3,
                                  "due_back": datetime(2027, 1, 15, tzinfo=UTC), "status": "issued"}]


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Visits", "Planned for", "Engineer", "planned", "not named yet", "not planned yet", "requested",
            "Loaners", "Due back", "with you")),
    ("zh-CN", ("上门服务", "计划时间", "工程师", "已安排", "尚未指派", "尚未安排", "已申请", "备机",
               "归还期限", "借出中")),
])
def test_the_case_page_shows_visits_and_loaners_in_each_language(lang: str, words: tuple[str, ...]) -> None:
    page = render(lang, work())
    for word in words:
        assert word in page, word
    assert '<time datetime="2026-12-04T09:30:00+00:00">2026-12-04 09:30</time>' in page
    assert "<td>eng-zhao</td>" in page and "<td>NVR-L-9</td>" in page and ">2027-01-15</time>" in page
    # no short form or i18n key left raw on the page
    text = re.sub(r"<[^>]+>", " ", page)
    for raw in ("visit_status_", "loaner_status_", "issued", "REQUESTED", "PLANNED"):
        assert raw not in text, raw


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_nothing_to_show_and_dispatch_unavailable_are_said(lang: str) -> None:
    empty = render(lang, {"visits": [], "loaners": []})
    assert TEXT[lang]["no_visits"] in empty and TEXT[lang]["no_loaners"] in empty
    down = render(lang, None)
    assert TEXT[lang]["case_work_unavailable"] in down and f"<h2>{TEXT[lang]['loaners']}</h2>" not in down


def test_every_visit_and_loaner_status_has_words_in_both_languages() -> None:
    from console.adapters.vocabulary import LOANER_STATUSES, VISIT_STATUSES

    for lang in ("en", "zh-CN"):
        for value in pb.VisitStatus.values():
            if value:
                assert f"visit_status_{VISIT_STATUSES.short(value, 'status')}" in TEXT[lang]
        for value in pb.LoanerStatus.values():
            if value:
                assert f"loaner_status_{LOANER_STATUSES.short(value, 'status')}" in TEXT[lang]
