"""Charset fallbacks, HTML to text, quoted-reply stripping, automated-mail signals."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st
from intake.parsing.automated_mail import Automated, classify_automated
from intake.parsing.charsets import decode_bytes, decode_header_value
from intake.parsing.html_text import html_to_text
from intake.parsing.reply_text import strip_quoted_reply


def test_declared_charsets_use_their_supersets() -> None:
    assert decode_bytes("镕".encode("gbk"), "gb2312").text == "镕"
    assert decode_bytes("镕".encode("gbk"), "GB2312").warning is None
    assert decode_bytes("裡".encode("big5"), "big5").text == "裡"


def test_non_text_codecs_are_not_charsets() -> None:
    decoded = decode_bytes(b"aGVsbG8=", "base64")
    assert decoded.text == "aGVsbG8="
    assert decoded.warning and "base64" in decoded.warning


@given(st.binary(max_size=300), st.one_of(st.none(), st.text(max_size=30)))
def test_decode_bytes_never_raises(data: bytes, charset: str | None) -> None:
    assert isinstance(decode_bytes(data, charset).text, str)


@given(st.text(max_size=100))
def test_decode_header_value_never_raises(raw: str) -> None:
    text, warnings = decode_header_value(raw)
    assert isinstance(text, str) and isinstance(warnings, list)


def test_header_with_mixed_encoded_words() -> None:
    gbk = base64.b64encode("回复".encode("gbk")).decode()
    text, warnings = decode_header_value(f"=?gbk?B?{gbk}?= =?utf-8?Q?=E5=B7=A5=E5=8D=95?= done")
    assert text == "回复工单 done"
    assert warnings == []


def test_html_to_text() -> None:
    markup = "<p>第一行<br>第二行</p><ul><li>a</li><li>b&amp;c</li></ul><title>x</title><style>y</style>"
    assert html_to_text(markup) == "第一行\n第二行\n\na\nb&c"


@given(st.text(max_size=300))
def test_html_to_text_never_raises(markup: str) -> None:
    assert isinstance(html_to_text(markup), str)


def test_strip_quoted_reply() -> None:
    assert strip_quoted_reply("fixed now\n\nOn Mon, 1 Jan 2026, Desk <d@x> wrote:\n> old") == "fixed now"
    assert strip_quoted_reply("好了\n> 引用\n谢谢") == "好了\n谢谢"
    assert strip_quoted_reply("收到\n\n在 2026年11月21日 10:00，客服 写道：\n原文") == "收到"
    assert strip_quoted_reply("ok\n-----Original Message-----\nFrom: x") == "ok"
    assert strip_quoted_reply("ok\n发件人: 客服\n发送时间: ...") == "ok"


def test_classify_automated_accepts_people() -> None:
    assert classify_automated({}, "text/plain", "li@example.com", "摄像头离线") is None
    assert classify_automated({"auto-submitted": "no"}, "text/plain", "li@example.com", "x") is None


def test_classify_automated_signals() -> None:
    assert classify_automated({}, "multipart/report", "x@y.z", "x") == (
        Automated.BOUNCE,
        "multipart/report (delivery or disposition notification)",
    )
    found = classify_automated({"x-autoreply": "yes"}, "text/plain", "x@y.z", "x")
    assert found is not None and found[0] is Automated.AUTO_REPLY
    found = classify_automated({}, "text/plain", "x@y.z", "x", envelope_sender="MAILER-DAEMON@y.z")
    assert found is not None and found[0] is Automated.BOUNCE
