"""The compliance report as a chart a desk manager reads at a glance: one horizontal bar per value of a
dimension (priority, engineer, month...), green for met and red for breached, with the percentage and the
counts written beside it. Plain SVG text (no I/O); an empty report says so instead of showing 100 %."""

from __future__ import annotations

from xml.sax.saxutils import escape

from sla_timer.domain.report import DIMENSIONS, Report, percent

WIDTH, BAR_WIDTH, LABEL_WIDTH, ROW_HEIGHT, TOP = 720, 400, 160, 28, 48
MET_COLOUR, BREACHED_COLOUR = "#2e7d32", "#c62828"
TITLES = {
    "priority": "priority (in force when it happened)",
    "clock_kind": "clock",
    "engineer": "engineer (who held the case)",
    "company": "company",
    "region": "region",
    "month": "month",
}


def compliance_svg(report: Report, *, by: str, title: str = "SLA compliance") -> str:
    """One bar per value of `by` (one of DIMENSIONS)."""
    if by not in DIMENSIONS:
        raise ValueError(f"no chart dimension {by!r}")
    groups = report.totals_by(by)
    height = TOP + max(len(groups), 1) * ROW_HEIGHT + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13" role="img">',
        f"<title>{escape(title)} by {escape(TITLES[by])}</title>",
        f'<text x="10" y="22" font-size="16" font-weight="bold">{escape(title)} by {escape(TITLES[by])}</text>',
    ]
    if not groups:
        parts.append(
            f'<text x="10" y="{TOP + 16}" data-empty="true">No met or breached clock in this selection: '
            "no compliance to show.</text>"
        )
    for index, (value, met, breached) in enumerate(groups):
        y = TOP + index * ROW_HEIGHT
        share = percent(met, breached) or 0.0
        met_width = round(BAR_WIDTH * share / 100, 1)
        parts += [
            f'<g data-value="{escape(value)}" data-met="{met}" data-breached="{breached}">',
            f'<text x="10" y="{y + 15}">{escape(value)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{met_width}" height="20" fill="{MET_COLOUR}"/>',
            f'<rect x="{LABEL_WIDTH + met_width}" y="{y}" width="{round(BAR_WIDTH - met_width, 1)}" height="20" '
            f'fill="{BREACHED_COLOUR}"/>',
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 15}">'
            f"{share:.2f} % ({met} met, {breached} breached)</text>",
            "</g>",
        ]
    total = report.compliance_percent
    summary = "nothing counted" if total is None else f"{total:.2f} % ({report.met} met, {report.breached} breached)"
    parts.append(f'<text x="10" y="{height - 12}">All: {escape(summary)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
