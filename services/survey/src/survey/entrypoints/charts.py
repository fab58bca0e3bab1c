"""Charts of the figures as small SVG bar charts (no script, no library): one bar per group."""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import select_autoescape
from jinja2.sandbox import SandboxedEnvironment

ROW, LABEL, BAR, PAD = 24, 160, 300, 8

_svg = SandboxedEnvironment(autoescape=select_autoescape(default=True, default_for_string=True)).from_string(
    """<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="t" width="{{ width }}" \
height="{{ height }}" font-family="sans-serif" font-size="12">
<title id="t">{{ title }}</title>
<text x="{{ pad }}" y="16" font-weight="bold">{{ title }}</text>
{% for label, value, length, y in bars %}<text x="{{ pad }}" y="{{ y + 16 }}">{{ label }}</text>
<rect x="{{ label_width }}" y="{{ y + 4 }}" width="{{ length }}" height="16" fill="#0b5cad">\
<title>{{ label }}: {{ value }}</title></rect>
<text x="{{ label_width + length + 4 }}" y="{{ y + 16 }}">{{ value }}</text>
{% endfor %}</svg>""")


def bar_chart(title: str, rows: Sequence[tuple[str, float | None]], *, top: float) -> str:
    """`rows`: (label, value); a bar's length is value / top of the bar width; no value, no bar ("–")."""
    bars = []
    for index, (label, value) in enumerate(rows):
        length = 0 if value is None or top <= 0 else round(BAR * max(0.0, min(value, top)) / top, 1)
        shown = "–" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")
        bars.append((label, shown, length, ROW + index * ROW))
    return _svg.render(title=title, bars=bars, pad=PAD, label_width=LABEL, width=LABEL + BAR + 60,
                       height=ROW * (len(rows) + 1) + PAD)
