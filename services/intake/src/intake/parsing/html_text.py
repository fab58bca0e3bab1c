"""HTML mail bodies turned into readable plain text (no rendering, no network, never raises)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
}
_PARAGRAPH_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "ul", "ol", "dl", "hr"}
_CELL_TAGS = {"td", "th"}
_PARAGRAPH = "\ue000"  # a line holding only this becomes one blank line; other blank lines are dropped
_INVISIBLE_TAGS = {"script", "style", "head", "title", "template", "noscript"}
_TAG = re.compile(r"<[^>]*>")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")
        elif tag in _CELL_TAGS:
            self.pieces.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _PARAGRAPH_TAGS:
            self.pieces.append(f"\n{_PARAGRAPH}\n")
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.pieces.append(data.replace(_PARAGRAPH, " "))


def _tidy(text: str) -> str:
    tidy: list[str] = []
    for raw_line in text.replace("\xa0", " ").splitlines():
        line = " ".join(raw_line.split())
        if line == _PARAGRAPH:
            if tidy and tidy[-1]:
                tidy.append("")
        elif line:
            tidy.append(line.replace(_PARAGRAPH, " ").strip())
    return "\n".join(tidy).strip()


def html_to_text(markup: str) -> str:
    """The visible text of `markup`, one line per block; falls back to tag stripping on parser trouble."""
    collector = _TextCollector()
    try:
        collector.feed(markup)
        collector.close()
        text = "".join(collector.pieces)
    except Exception:  # HTMLParser can assert on some malformed markup; plain tag stripping still works
        text = html.unescape(_TAG.sub(" ", markup)).replace(_PARAGRAPH, " ")
    return _tidy(text)
