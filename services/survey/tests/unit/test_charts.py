"""The SVG bar charts: one bar per group, its length in proportion, no bar for a missing figure."""

import xml.etree.ElementTree as ET

from survey.entrypoints.charts import BAR, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_are_in_proportion_and_labels_escaped() -> None:
    svg = ET.fromstring(bar_chart("CSAT by company", [("A & B", 0.5), ("C", 1.0), ("D", None)], top=1.0))
    widths = [float(rect.get("width", "")) for rect in svg.iter(f"{SVG}rect")]
    assert widths == [BAR / 2, BAR, 0]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[:4] == ["CSAT by company", "A & B", "0.5", "C"]
    assert "–" in texts
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "CSAT by company"  # type: ignore[union-attr]
