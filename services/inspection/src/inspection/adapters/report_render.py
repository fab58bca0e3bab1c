"""An inspection's report as HTML (Jinja2, autoescaped; an inline SVG chart per measured item) and as
PDF (fpdf2, pure Python; the same sections, the trends drawn as line charts)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from inspection.domain.reports import ReportDocument, TrendPoint
from inspection.domain.visits import Visit
from inspection.domain.watch import Watch

_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html", "j2"]))
CHART_W, CHART_H = 360, 120


def _scaled(points: list[TrendPoint], width: float, height: float) -> list[tuple[float, float]]:
    values = [p.value for p in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(1, len(points) - 1)
    return [(index * step, height - (p.value - low) / span * height) for index, p in enumerate(points)]


def svg_chart(points: list[TrendPoint]) -> str:
    coords = _scaled(points, CHART_W - 20, CHART_H - 30)
    line = " ".join(f"{x + 10:.1f},{y + 10:.1f}" for x, y in coords)
    labels = "".join(f'<text x="{x + 10:.1f}" y="{CHART_H - 4}" font-size="9">{escape(p.day.isoformat())}</text>'
                     f'<text x="{x + 10:.1f}" y="{y + 8:.1f}" font-size="9">{p.value:g}</text>'
                     for (x, y), p in zip(coords, points, strict=True))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" role="img">'
            f'<polyline fill="none" stroke="#2a6" stroke-width="2" points="{line}"/>{labels}</svg>')


def html(document: ReportDocument) -> str:
    charts = {item: svg_chart(points) for item, points in document.trends.items()}
    return _TEMPLATES.get_template("report.html.j2").render(
        visit=document.visit, plan=document.plan, report=document.report, findings=document.findings,
        charts=charts)


def watch_html(watch: Watch, pre_event: Visit) -> str:
    """The watch's own report afterwards: dates, sites, roster, the pre-event inspection, the duty log."""
    return _TEMPLATES.get_template("watch.html.j2").render(watch=watch, pre_event=pre_event)


# CJK fonts from Debian packages (fonts-wqy-microhei is in .ci/ensure-servers and the README)
CJK_FONTS = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
             Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
             Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"))


def cjk_font(candidates: tuple[Path, ...] = CJK_FONTS) -> Path | None:
    return next((path for path in candidates if path.is_file()), None)


def _latin(text: str) -> str:
    """The core font is Latin-1: without a CJK font other characters are shown as '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _as_written(text: str) -> str:
    return text


def pdf(document: ReportDocument, font: Path | None = None) -> bytes:
    visit, report = document.visit, document.report
    out = FPDF()
    font = font or cjk_font()
    family, shown = "Helvetica", _latin
    if font is not None:  # Chinese text as written; the same face serves for bold
        family, shown = "cjk", _as_written
        out.add_font("cjk", "", str(font))
        out.add_font("cjk", "B", str(font))

    def set_font(style: str = "", size: int = 10) -> None:
        out.set_font(family, style, size)

    out.set_title(shown(f"Inspection report {visit.id}"))
    out.add_page()
    set_font("B", 16)
    out.cell(0, 10, "Inspection report", new_x="LMARGIN", new_y="NEXT")
    set_font(size=10)

    def line(text: str) -> None:
        out.multi_cell(0, 6, shown(text), new_x="LMARGIN", new_y="NEXT")

    line(f"{document.plan.title} - company {visit.company_id} - site {visit.site_id}")
    line(f"Inspection {visit.id} ({visit.kind.value}, {visit.mode.value}), scheduled {visit.scheduled_on}, "
         f"performed {visit.performed_at or 'not yet'}; checklist {visit.checklist_id} v{visit.checklist_version}")
    if report is not None:
        line(f"Report due {report.due_at:%Y-%m-%d %H:%M} UTC; state {report.state.value}")
        if report.summary:
            line(f"Summary: {report.summary}")
        if report.signed_off_by:
            line(f"Signed off by {report.signed_off_by} at {report.signed_off_at:%Y-%m-%d %H:%M} UTC")
    set_font("B", 12)
    out.cell(0, 9, "Results", new_x="LMARGIN", new_y="NEXT")
    set_font(size=10)
    for r in visit.results:
        value = f" = {r.value:g}" if r.value is not None else ""
        line(f"[{r.section}] {r.title}: {r.outcome}{' (needs work)' if r.needs_work else ''}{value} {r.text}")
    set_font("B", 12)
    out.cell(0, 9, "Findings", new_x="LMARGIN", new_y="NEXT")
    set_font(size=10)
    for f in document.findings or []:
        line(f"{f.summary} - case {f.case_number or f.case_id or 'being opened'} ({f.state.value})")
    if not document.findings:
        line("No findings.")
    set_font("B", 12)
    out.cell(0, 9, "Trends", new_x="LMARGIN", new_y="NEXT")
    set_font(size=9)
    for item, points in document.trends.items():
        line(f"{item}: " + ", ".join(f"{p.day} {p.value:g}" for p in points))
        top, left = out.get_y() + 2, out.l_margin + 5
        coords = [(left + x, top + y) for x, y in _scaled(points, 120, 30)]
        out.set_draw_color(34, 170, 102)
        out.polyline(coords)
        out.set_y(top + 36)
    return bytes(out.output())
