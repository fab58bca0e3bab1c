"""Carrying inspections out on the handler tier: the checklist version kept, results stamped by the
server, failed items opening cases through intake even when intake is away, report deadlines never
early, the report as HTML and PDF, sign-off, compliance."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument, NotFound
from inspection.adapters import report_render
from inspection.domain.checklists import Item, ItemKind
from inspection.domain.findings import FindingState
from inspection.domain.plans import Mode
from pypdf import PdfReader

from .conftest import ACME, AGENT, ENGINEER, ITEMS, OTHER, Kit, quarterly

VISIT_DAY = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)  # Monday 2 February, 10:00 in Shanghai


async def started(kit: Kit) -> str:
    await kit.checklist()
    _, (visit,) = await kit.plans.create(AGENT, quarterly())
    kit.clock.set(VISIT_DAY)
    await kit.execution.start(ENGINEER, visit.id)
    return visit.id


async def test_a_running_inspection_keeps_the_checklist_version_it_started_with(kit: Kit) -> None:
    visit_id = await started(kit)
    extra = (*ITEMS, Item("backup", "backup", "Backup job ran", ItemKind.PASS_FAIL))
    newer = await kit.plans.put_checklist(AGENT, checklist_id="health", name="System health v2", items=extra)
    assert newer.version == 2
    with pytest.raises(InvalidArgument, match="no item 'backup'"):
        await kit.execution.record(ENGINEER, visit_id, "backup", passed=True, value=None, text="", file_ref="",
                                   needs_work=False)
    visit, _ = await kit.execution.record(ENGINEER, visit_id, "db", passed=True, value=None, text="", file_ref="",
                                          needs_work=False)
    assert (visit.checklist_version, visit.results[0].by, visit.results[0].at) == (1, "eng-1", VISIT_DAY)


async def test_results_are_checked_against_their_kind_naming_the_field(kit: Kit) -> None:
    visit_id = await started(kit)
    for item, field in (("db", "passed"), ("disk", "value"), ("logs", "text")):
        with pytest.raises(InvalidArgument) as refused:
            await kit.execution.record(ENGINEER, visit_id, item, passed=None, value=None, text=" ", file_ref="",
                                       needs_work=False)
        assert str(refused.value).startswith(f"{field}:")
    with pytest.raises(FailedPrecondition, match="no result for db, disk, logs"):
        await kit.execution.complete(ENGINEER, visit_id, None)


async def test_a_failed_item_opens_a_case_through_intake_even_when_intake_was_away(kit: Kit) -> None:
    visit_id = await started(kit)
    await kit.types()
    kit.intake.up = False
    _, finding = await kit.execution.record(ENGINEER, visit_id, "disk", passed=None, value=91.5, text="volume 2",
                                            file_ref="", needs_work=False)
    assert finding is not None and finding.state is FindingState.PENDING
    assert await kit.types() == ["inspection.finding_raised"]
    assert await kit.deliveries.run_once() == 1  # intake is down: the finding waits, kept
    assert kit.intake.reports == []
    kit.intake.up, kit.intake.cases_up = True, False
    kit.clock.advance(timedelta(seconds=5))
    assert await kit.deliveries.run_once() == 1  # intake took it, cases not yet: a receipt, no case
    _, (kept,) = await kit.reads.visit(AGENT, visit_id)
    assert kept.state is FindingState.REPORTED and kept.receipt_id
    kit.intake.cases_up = True
    kit.clock.advance(timedelta(seconds=5))
    assert await kit.deliveries.run_once() == 1
    _, (opened,) = await kit.reads.visit(AGENT, visit_id)
    assert (opened.state, opened.case_id, opened.case_number) == (FindingState.OPENED, "case-1", "CN-0001")
    (report,) = kit.intake.reports
    assert report.request_id == f"inspection-finding:{finding.id}" and report.defect
    assert "Disk used (%) failed (measured 91.5): volume 2" in report.summary and visit_id in report.description
    # recorded again (corrected): still one finding, one case
    await kit.execution.record(ENGINEER, visit_id, "disk", passed=None, value=95, text="", file_ref="",
                               needs_work=False)
    kit.clock.advance(timedelta(seconds=5))
    await kit.deliveries.run_once()
    assert len(kit.intake.reports) == 1
    # a passing item marked "needs work" is a finding too
    _, needs = await kit.execution.record(ENGINEER, visit_id, "db", passed=True, value=None, text="slow queries",
                                          file_ref="", needs_work=True)
    assert needs is not None and "needs work" in needs.summary


async def test_the_report_is_due_three_working_days_after_and_breached_never_early(kit: Kit) -> None:
    visit_id = await started(kit)
    for item, kwargs in (("db", {"passed": True}), ("disk", {"value": 42.0}), ("logs", {"text": "clean"})):
        await kit.execution.record(ENGINEER, visit_id, item, **{"passed": None, "value": None, "text": "",
                                                                 "file_ref": "", "needs_work": False, **kwargs})
    kit.clock.set(VISIT_DAY + timedelta(hours=5))  # 15:00 in Shanghai
    _, report = await kit.execution.complete(ENGINEER, visit_id, None)
    # 27 working hours on: 3 hours on the 2nd, 9 on the 3rd and 4th, 6 on the 5th: Thursday 15:00
    assert report.due_at == datetime(2026, 2, 5, 7, 0, tzinfo=UTC)
    assert report.warn_at == datetime(2026, 2, 4, 7, 0, tzinfo=UTC)
    assert "inspection.completed" in await kit.types()
    kit.clock.set(report.warn_at - timedelta(seconds=1))
    assert await kit.ticker.flag_reports() == 0
    kit.clock.set(report.warn_at)
    assert await kit.ticker.flag_reports() == 1 and await kit.types() == ["inspection.report_due"]
    kit.clock.set(report.due_at - timedelta(microseconds=1))
    assert await kit.ticker.flag_reports() == 0 and await kit.types() == []
    kit.clock.set(report.due_at)
    assert await kit.ticker.flag_reports() == 1 and await kit.types() == ["inspection.report_overdue"]
    assert await kit.ticker.flag_reports() == 0  # once
    late = await kit.execution.submit_report(ENGINEER, visit_id, "All systems healthy")
    assert late.on_time is False
    (reported,) = await kit.bench.new_events()
    assert reported.type == "aftercare.inspection.reported.v1" and not reported.data.get("onTime", False)
    assert reported.data["summary"] == "All systems healthy"


async def test_the_customer_signs_its_own_report_off_and_reads_it_as_html_and_pdf(kit: Kit) -> None:
    visit_id = await started(kit)
    await kit.execution.record(ENGINEER, visit_id, "db", passed=True, value=None, text="", file_ref="",
                               needs_work=False)
    await kit.execution.record(ENGINEER, visit_id, "disk", passed=None, value=85.0, text="", file_ref="",
                               needs_work=False)
    await kit.execution.record(ENGINEER, visit_id, "logs", passed=None, value=None, text="no errors", file_ref="",
                               needs_work=False)
    await kit.deliveries.run_once()
    await kit.execution.complete(ENGINEER, visit_id, None)
    with pytest.raises(FailedPrecondition):
        await kit.execution.sign_off(ACME, visit_id)  # not submitted yet
    await kit.execution.submit_report(ENGINEER, visit_id, "Disk nearly full; case opened")
    with pytest.raises(NotFound):
        await kit.execution.sign_off(OTHER, visit_id)
    signed = await kit.execution.sign_off(ACME, visit_id)
    assert (signed.state.value, signed.signed_off_by) == ("signed_off", "li.lei")
    document = await kit.reads.document(ACME, visit_id)
    page = report_render.html(document)
    assert "Disk used (%)" in page and "CN-0001" in page and "<svg" in page and "li.lei" in page
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_render.pdf(document))).pages)
    assert "Inspection report" in text and "Disk used (%): fail = 85" in text and "CN-0001" in text
    assert "Signed off by li.lei" in text and "disk: 2026-02-02 85" in text
    with pytest.raises(NotFound):
        await kit.reads.document(OTHER, visit_id)


async def test_compliance_counts_done_on_time_late_and_missed_per_site_and_month(kit: Kit) -> None:
    await kit.checklist()
    await kit.plans.create(AGENT, quarterly(checklist_id=""))
    await kit.plans.create(AGENT, quarterly(id="P2", site_id="S2", checklist_id=""))
    kit.clock.set(VISIT_DAY)
    await kit.execution.start(ENGINEER, "P1:2026-02-02")
    await kit.execution.complete(ENGINEER, "P1:2026-02-02", None)
    kit.clock.set(datetime(2026, 2, 5, 2, tzinfo=UTC))
    await kit.ticker.mark_missed()
    tallies = await kit.reads.compliance(ACME, "", date(2026, 2, 1), date(2026, 2, 28))
    assert [(t.site_id, t.period, t.due, t.done_on_time, t.missed) for t in tallies] == [
        ("S1", "2026-02", 1, 1, 0), ("S2", "2026-02", 1, 0, 1)]
    assert await kit.reads.compliance(OTHER, "ACME", date(2026, 2, 1), date(2026, 2, 28)) == []


async def test_a_customers_remote_data_set_starts_the_analysis_clock(kit: Kit) -> None:
    await kit.checklist()
    _, (visit,) = await kit.plans.create(AGENT, quarterly(mode=Mode.REMOTE))
    kit.clock.set(VISIT_DAY)
    with pytest.raises(NotFound):
        await kit.execution.upload_data_set(OTHER, visit.id, filename="trace.zip", content_type="", content=b"x")
    with pytest.raises(InvalidArgument, match=r"^filename:"):
        await kit.execution.upload_data_set(ACME, visit.id, filename="../etc/passwd", content_type="", content=b"x")
    started, report = await kit.execution.upload_data_set(ACME, visit.id, filename="trace-2026-01.zip",
                                                          content_type="application/zip", content=b"PK\x03\x04")
    assert (started.status.value, started.started_by, started.checklist_version) == ("in_progress", "li.lei", 1)
    assert started.data_sets[0].size == 4 and started.data_sets[0].filename == "trace-2026-01.zip"
    assert report.due_at == datetime(2026, 2, 5, 2, 0, tzinfo=UTC)  # 3 working days (27 h) from 10:00 on the 2nd
    kit.clock.advance(timedelta(days=1))
    again, same = await kit.execution.upload_data_set(ACME, visit.id, filename="trace-2026-01b.zip",
                                                      content_type="", content=b"more")
    assert len(again.data_sets) == 2 and same.due_at == report.due_at  # the first data set started the clock
    for item, kwargs in (("db", {"passed": True}), ("disk", {"value": 10.0}), ("logs", {"text": "ok"})):
        await kit.execution.record(ENGINEER, visit.id, item, **{"passed": None, "value": None, "text": "",
                                                                 "file_ref": "", "needs_work": False, **kwargs})
    _, kept = await kit.execution.complete(ENGINEER, visit.id, None)
    assert kept.due_at == report.due_at


async def test_a_quarterly_summary_counts_inspections_findings_and_their_cases(kit: Kit) -> None:
    visit_id = await started(kit)
    await kit.execution.record(ENGINEER, visit_id, "disk", passed=None, value=99.0, text="", file_ref="",
                               needs_work=False)
    await kit.deliveries.run_once()
    summary = await kit.reads.summary(ACME, "ACME", "2026-q1")
    assert (summary.period, summary.start, summary.end) == ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))
    assert (summary.findings, summary.cases, [t.due for t in summary.tallies]) == (1, ("CN-0001",), [1])
    assert (await kit.reads.summary(ACME, "ACME", "2026")).findings == 1
    assert (await kit.reads.summary(ACME, "ACME", "2026-04")).findings == 0
    with pytest.raises(InvalidArgument, match=r"^period:"):
        await kit.reads.summary(ACME, "ACME", "spring")
    with pytest.raises(NotFound):
        await kit.reads.summary(OTHER, "ACME", "2026")
