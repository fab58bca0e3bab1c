"""Property: whatever arrives over SMTP, the email parser answers with a request or `EmailRejected`."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from intake.domain.intake_request import MAX_DESCRIPTION_CHARS
from intake.domain.text import clean_text
from intake.domain.vocabulary import Channel
from intake.parsing.email_parser import InboundEmail, parse_inbound_email
from intake.parsing.email_rejected import EmailRejected

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
CHARSETS = [
    "utf-8",
    "gbk",
    "gb2312",
    "gb18030",
    "big5",
    "us-ascii",
    "latin-1",
    "x-bogus",
    "utf-7",
    "base64",
    "",
    '"',
    "é",
]
HEADER_NAMES = [
    "From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Message-ID",
    "Auto-Submitted", "Precedence", "Return-Path", "MIME-Version", "In-Reply-To", "X-Autoreply", "Sender",
]  # fmt: skip
PROFILE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_reject(raw: bytes) -> InboundEmail | None:
    """Parse; `EmailRejected` is an answer, anything else fails the test."""
    try:
        mail = parse_inbound_email(raw, received_at=NOW)
    except EmailRejected:
        return None
    request = mail.request
    assert request.channel is Channel.EMAIL
    assert request.description and len(request.description) <= MAX_DESCRIPTION_CHARS
    assert request.reporter.email is not None
    assert len(request.attachments) == len(mail.attachments)
    return mail


def encoded(text: str, charset: str) -> bytes:
    try:
        return text.encode(charset or "utf-8", errors="replace")
    except (LookupError, UnicodeError, TypeError):
        return text.encode("utf-8", errors="surrogateescape")


texts = st.text(max_size=80)
header_values = st.one_of(
    texts.map(lambda text: text.encode("utf-8", errors="surrogatepass")),
    st.tuples(texts, st.sampled_from(CHARSETS)).map(lambda pair: f"=?{pair[1]}?B?{pair[0]}?=".encode(errors="replace")),
    st.tuples(texts, st.sampled_from(CHARSETS)).map(lambda pair: encoded(pair[0], pair[1])),
    st.sampled_from(
        [b"a@example.com", b"<>", b"MAILER-DAEMON@x.y", b"auto-replied", b"bulk", b"multipart/report", b'"@" <@>']
    ),
    st.binary(max_size=60),
)
content_types = st.one_of(
    st.builds(
        lambda kind, charset, boundary: f"{kind}; charset={charset}; boundary=\"{boundary}\"".encode(errors="replace"),
        st.sampled_from(["text/plain", "text/html", "multipart/mixed", "multipart/alternative", "multipart/report",
                         "message/rfc822", "application/octet-stream", "image/png", "text", "/", ""]),
        st.sampled_from(CHARSETS),
        st.sampled_from(["B", "b1", "", "=="]),
    ),
    st.binary(max_size=40),
)  # fmt: skip


@st.composite
def raw_messages(draw: st.DrawFn, depth: int = 0) -> bytes:
    """Messages assembled from header and body fragments, often broken, sometimes nested."""
    senders = st.one_of(st.sampled_from([b"a@example.com", b"=?gb2312?B?zfXA7w==?= <wang@example.cn>"]), header_values)
    lines = [b"From: " + draw(senders)] if depth == 0 or draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 6))):
        lines.append(draw(st.sampled_from(HEADER_NAMES)).encode() + b": " + draw(header_values))
    boundary = draw(st.sampled_from([b"B", b"b1"]))
    if depth < 3 and draw(st.booleans()):
        subtype = draw(st.sampled_from([b"mixed", b"alternative", b"report", b"related"]))
        lines.append(b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"')
        parts = [draw(raw_messages(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
        body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
        if draw(st.booleans()):
            body += b"--" + boundary + b"--\r\n"
    else:
        lines.append(b"Content-Type: " + draw(content_types))
        if draw(st.booleans()):
            cte = draw(st.sampled_from([b"base64", b"quoted-printable", b"8bit", b"7bit", b"x-uue", b"bogus"]))
            lines.append(b"Content-Transfer-Encoding: " + cte)
        body = draw(st.one_of(st.binary(max_size=200), texts.map(lambda t: t.encode("gb18030", errors="replace"))))
    separator = draw(st.sampled_from([b"\r\n", b"\n"]))
    return separator.join(lines) + separator + separator + body


@PROFILE
@given(st.binary(max_size=4_000))
def test_arbitrary_bytes_never_raise_anything_else(raw: bytes) -> None:
    parse_or_reject(raw)


@PROFILE
@given(raw_messages())
def test_arbitrary_structured_messages_never_raise_anything_else(raw: bytes) -> None:
    parse_or_reject(raw)


@PROFILE
@given(
    subject=texts,
    body=st.text(max_size=300),
    charset=st.sampled_from(["utf-8", "gb18030", "big5"]),
    attachments=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=30), st.binary(max_size=100), st.sampled_from(["image/png", "text/csv"])
        ),
        max_size=3,
    ),
    html=st.booleans(),
)
def test_built_messages_never_raise_anything_else(
    subject: str, body: str, charset: str, attachments: list[tuple[str, bytes, str]], html: bool
) -> None:
    message = EmailMessage()
    try:
        message["From"] = "Customer <customer@example.com>"
        message["Subject"] = subject
        message.set_content(body, subtype="html" if html else "plain", charset=charset)
        for filename, data, content_type in attachments:
            maintype, subtype = content_type.split("/")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        raw = message.as_bytes()
    except Exception:  # the stdlib refuses to build some of these; only parsing is under test
        assume(False)
        return
    parse_or_reject(raw)


readable = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
        st.sampled_from("\n，。：！"),
    ),
    min_size=1,
    max_size=300,
)


@PROFILE
@given(body=readable, charset=st.sampled_from(["utf-8", "gb18030", "gbk", "gb2312", "big5"]))
def test_plain_text_round_trips_through_any_chinese_charset(body: str, charset: str) -> None:
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        assume(False)
    assume(clean_text(body))
    message = EmailMessage()
    message["From"] = "Customer <customer@example.com>"
    message["Subject"] = "Problem"
    message.set_content(body, charset=charset)
    mail = parse_or_reject(message.as_bytes())
    assert mail is not None
    if mail.request.quoted_case_number is None:
        assert mail.request.description == clean_text(body)
