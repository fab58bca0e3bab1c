"""Chinese in the PDF report: written with the CJK font the project installs (fonts-wqy-microhei), so
the text extracted back is the Chinese written, not "?"."""

from __future__ import annotations

import io

from inspection.adapters import report_render
from pypdf import PdfReader

from .conftest import ACME, ENGINEER, Kit
from .test_handlers_execution import started


async def test_chinese_text_in_the_pdf_report_is_extracted_as_written(kit: Kit) -> None:
    assert report_render.cjk_font() is not None, "install fonts-wqy-microhei (.ci/ensure-servers does)"
    visit_id = await started(kit)
    await kit.execution.record(ENGINEER, visit_id, "db", passed=True, value=None, text="", file_ref="",
                               needs_work=False)
    await kit.execution.record(ENGINEER, visit_id, "disk", passed=None, value=50.0, text="", file_ref="",
                               needs_work=False)
    await kit.execution.record(ENGINEER, visit_id, "logs", passed=None, value=None, text="日志无异常", file_ref="",
                               needs_work=False)
    await kit.execution.complete(ENGINEER, visit_id, None)
    await kit.execution.submit_report(ENGINEER, visit_id, "磁盘将满，已开工单")
    document = await kit.reads.document(ACME, visit_id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_render.pdf(document))).pages)
    assert "磁盘将满，已开工单" in text and "日志无异常" in text and "Inspection report" in text
    assert "?" not in text.replace("(%)", "")
