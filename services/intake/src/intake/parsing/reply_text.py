"""The new part of a reply: the customer's words without the quoted message under them."""

from __future__ import annotations

import re

# Lines that start the quoted original in common clients (Outlook, Gmail, Foxmail/QQ, NetEase, Apple).
_QUOTE_HEADERS = re.compile(
    r"""^\s*(
        -{2,}\s*(original\s+message|原始邮件|原始郵件|回复的原邮件|forwarded\s+message)\s*-{2,}
      | on\s.{1,200}\swrote:\s*$
      | 在\s?.{1,200}(写道|寫道)\s?[:：]\s*$
      | (from|发件人|發件人)\s*[:：].*$
      | _{10,}\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def strip_quoted_reply(text: str) -> str:
    """`text` up to the first quoted-original marker, with `>` quoted lines dropped."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADERS.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
