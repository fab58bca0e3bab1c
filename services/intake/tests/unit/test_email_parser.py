"""The inbound email parser on real-looking mail."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from intake.domain.vocabulary import Channel, StatedSeverity
from intake.parsing.email_parser import InboundEmail, parse_inbound_email
from intake.parsing.email_rejected import EmailRejected, EmailRejectReason
from intake.parsing.mime_parts import EmailLimits

from .mail_fixtures import (
    auto_reply,
    b_word,
    bounce,
    bounce_without_daemon_sender,
    gbk_plain,
    html_only,
    raw_mail,
    reply_quoting_case,
    with_attachments,
)

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def parse(raw: bytes, **options: object) -> InboundEmail:
    return parse_inbound_email(raw, received_at=NOW, **options)  # type: ignore[arg-type]


def rejected(raw: bytes, **options: object) -> EmailRejected:
    with pytest.raises(EmailRejected) as caught:
        parse(raw, **options)
    return caught.value


def simple(body: str = "The NVR reboots every hour.", subject: str = "NVR reboots", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("sender", "Customer <customer@example.com>")
    message["To"] = "support@aftercare.example"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def test_gbk_body_and_rfc2047_subject_are_decoded() -> None:
    mail = parse(gbk_plain())
    request = mail.request
    assert request.channel is Channel.EMAIL
    assert request.summary == "【紧急】核心交换机端口故障"
    assert "核心交换机 24 口闪红灯" in request.description
    assert "镕" in request.description  # a GBK character outside gb2312
    assert request.reporter.name == "王工"
    assert request.reporter.email == "wang.gong@hospital.example.cn"
    assert request.error_codes == ("SW-4021",)
    assert request.stated_severity is StatedSeverity.CRITICAL
    assert request.channel_message_id == "<20261121093000.1234@hospital.example.cn>"
    assert request.received_at == NOW
    assert not request.adds_to_case
    assert mail.warnings == ()


def test_gb2312_label_on_gbk_text_still_decodes() -> None:
    raw = raw_mail(
        [("From", "a@example.cn"), ("Subject", "x"), ("Content-Type", "text/plain; charset=gb2312")],
        "打印机卡纸，镕铁".encode("gbk"),
    )
    assert parse(raw).request.description == "打印机卡纸，镕铁"


def test_big5_body() -> None:
    raw = raw_mail(
        [
            ("From", "tw@example.com.tw"),
            ("Subject", b_word("系統當機", "big5")),
            ("Content-Type", "text/plain; charset=big5"),
        ],
        "資料庫伺服器無法連線".encode("big5"),
    )
    mail = parse(raw)
    assert mail.request.summary == "系統當機"
    assert mail.request.description == "資料庫伺服器無法連線"


def test_gb18030_base64_body_and_utf8_q_subject() -> None:
    body = base64.b64encode("门禁控制器离线".encode("gb18030"))
    raw = raw_mail(
        [
            ("From", "guard@example.cn"),
            ("Subject", "=?utf-8?Q?=E9=97=A8=E7=A6=81?= offline"),
            ("Content-Type", "text/plain; charset=gb18030"),
            ("Content-Transfer-Encoding", "base64"),
        ],
        body,
    )
    mail = parse(raw)
    assert mail.request.summary == "门禁 offline"
    assert mail.request.description == "门禁控制器离线"


def test_unknown_charset_falls_back_and_records_it() -> None:
    raw = raw_mail(
        [("From", "a@example.cn"), ("Subject", "x"), ("Content-Type", "text/plain; charset=x-made-up-9")],
        "硬盘故障".encode("gbk"),
    )
    mail = parse(raw)
    assert mail.request.description == "硬盘故障"
    assert any("x-made-up-9" in warning and "gb18030" in warning for warning in mail.warnings)


def test_wrong_charset_label_falls_back() -> None:
    raw = raw_mail(
        [("From", "a@example.cn"), ("Subject", "x"), ("Content-Type", "text/plain; charset=utf-8")],
        "网络中断".encode("gbk"),
    )
    mail = parse(raw)
    assert mail.request.description == "网络中断"
    assert mail.warnings


def test_undecodable_bytes_are_replaced_not_fatal() -> None:
    raw = raw_mail(
        [("From", "a@example.cn"), ("Subject", "x"), ("Content-Type", "text/plain; charset=ascii")], b"ok \xff\xfe\x80"
    )
    mail = parse(raw)
    assert mail.request.description.startswith("ok")
    assert mail.warnings


def test_raw_8bit_gbk_subject_header() -> None:
    raw = b"From: a@example.cn\r\nSubject: " + "服务器宕机".encode("gbk") + b"\r\n\r\nbody\r\n"
    assert parse(raw).request.summary == "服务器宕机"


def test_html_only_mail_becomes_text() -> None:
    request = parse(html_only()).request
    assert "Camera 12 shows black on the video wall." in request.description
    assert "Error code: VW-0012" in request.description
    assert "alert" not in request.description and "color" not in request.description
    assert request.error_codes == ("VW-0012",)


def test_multipart_alternative_prefers_plain() -> None:
    message = simple("plain words")
    message.add_alternative("<p>html words</p>", subtype="html")
    assert parse(message.as_bytes()).request.description == "plain words"


def test_attachments_are_kept_with_names_types_and_bytes() -> None:
    mail = parse(with_attachments())
    assert mail.request.description == "服务器 DB-01 磁盘告警，日志见附件。"
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [
        ("故障报告.pdf", "application/pdf", b"%PDF-1.4 fake report"),
        ("screenshot.png", "image/png", b"\x89PNG\r\n\x1a\nfake"),
    ]
    refs = mail.request.attachments
    assert [ref.filename for ref in refs] == ["故障报告.pdf", "screenshot.png"]
    assert refs[0].size_bytes == len(b"%PDF-1.4 fake report")
    assert refs[0].sha256 == hashlib.sha256(b"%PDF-1.4 fake report").hexdigest()
    assert refs[0].storage_key is None


def test_gb2312_encoded_word_filename_from_chinese_clients() -> None:
    message = simple("see attached")
    message.add_attachment(b"log", maintype="text", subtype="plain", filename="x.txt")
    raw = message.as_bytes().replace(b'filename="x.txt"', f'filename="{b_word("日志.txt", "gb2312")}"'.encode())
    assert [a.filename for a in parse(raw).attachments] == ["日志.txt"]


def test_inline_image_in_related_html_is_kept() -> None:
    message = simple("see picture")
    message.add_alternative('<p>see <img src="cid:pic1"></p>', subtype="html")
    message.get_payload()[1].add_related(b"GIF89a", maintype="image", subtype="gif", cid="<pic1>")
    mail = parse(message.as_bytes())
    assert mail.request.description == "see picture"
    assert [(a.content_type, a.data) for a in mail.attachments] == [("image/gif", b"GIF89a")]
    assert mail.attachments[0].filename.endswith(".gif")


def test_forwarded_message_is_kept_whole() -> None:
    inner = simple("original problem", subject="original")
    outer = simple("forwarding the customer's mail")
    outer.add_attachment(inner)
    mail = parse(outer.as_bytes())
    assert mail.request.description == "forwarding the customer's mail"
    assert len(mail.attachments) == 1
    assert mail.attachments[0].content_type == "message/rfc822"
    assert b"original problem" in mail.attachments[0].data


def test_reply_quoting_case_number_becomes_a_note_with_new_words_only() -> None:
    mail = parse(reply_quoting_case())
    assert mail.request.quoted_case_number == "EA-20261121-000042"
    assert mail.request.adds_to_case
    assert mail.request.description == "The camera is still offline after the reboot."
    assert mail.references == ("<ack-EA-20261121-000042@aftercare.example>",)


def test_case_number_only_in_quoted_body_still_counts() -> None:
    body = "还是没修好。\n\n------------------ 原始邮件 ------------------\n您的工单 NO-20261120-000007 已受理。"
    request = parse(simple(body, subject="回复：工单受理通知").as_bytes()).request
    assert request.quoted_case_number == "NO-20261120-000007"
    assert request.description == "还是没修好。"


def test_full_width_case_number_in_subject() -> None:
    request = parse(
        simple("补充：重启后恢复", subject="关于工单ＥＡ－２０２６１１２１－０００００９").as_bytes()
    ).request
    assert request.quoted_case_number == "EA-20261121-000009"


def test_invalid_date_in_case_number_is_not_a_case_number() -> None:
    assert parse(simple(subject="EA-20261399-000001 ?").as_bytes()).request.quoted_case_number is None


def test_bounce_as_multipart_report_is_not_a_case() -> None:
    for raw in (bounce(), bounce_without_daemon_sender()):
        error = rejected(raw)
        assert error.reason is EmailRejectReason.BOUNCE
        assert error.automated


@pytest.mark.parametrize(
    "headers",
    [
        {"sender": "MAILER-DAEMON@mx.example.com"},
        {"sender": "postmaster@example.com", "subject": "Delivery Status Notification (Failure)"},
        {"subject": "Undeliverable: NVR reboots"},
        {"subject": "系统退信"},
        {"Return_Path": "<>"},
    ],
)
def test_bounce_signals(headers: dict[str, str]) -> None:
    assert rejected(simple(**headers).as_bytes()).reason is EmailRejectReason.BOUNCE


def test_null_envelope_sender_is_a_bounce() -> None:
    assert rejected(simple().as_bytes(), envelope_sender="").reason is EmailRejectReason.BOUNCE


@pytest.mark.parametrize(
    "extra",
    [
        {},  # the Chinese "自动回复" subject
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated", "subject": "Your ticket"},
        {"X_Autoreply": "yes", "subject": "Re: hi"},
        {"X_Autorespond": "1", "subject": "Re: hi"},
        {"Precedence": "bulk", "subject": "newsletter"},
        {"Precedence": "auto_reply", "subject": "Re: hi"},
        {"Precedence": "junk", "subject": "Re: hi"},
        {"subject": "Out of Office: NVR reboots"},
        {"subject": "Automatic reply: NVR reboots"},
        {"subject": "自動回覆：系統當機"},
    ],
)
def test_auto_replies_are_not_cases(extra: dict[str, str]) -> None:
    error = rejected(auto_reply(**extra))
    assert error.reason is EmailRejectReason.AUTO_REPLY
    assert error.automated


def test_auto_submitted_no_is_a_person() -> None:
    assert parse(simple(Auto_Submitted="no").as_bytes()).request.description


@pytest.mark.parametrize("subject", ["Delivery of spare parts failed", "Out of stock: fans", "自动化系统故障"])
def test_customer_subjects_that_look_automated_are_still_cases(subject: str) -> None:
    assert parse(simple(subject=subject).as_bytes()).request.summary == subject


def test_message_without_message_id_gets_a_content_key() -> None:
    raw = simple().as_bytes()
    mail = parse(raw)
    assert mail.message_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert parse(raw).message_id == mail.message_id


def test_subject_only_mail_uses_subject_as_description() -> None:
    raw = raw_mail([("From", "a@example.com"), ("Subject", "Printer offline")], b"")
    assert parse(raw).request.description == "Printer offline"


def test_no_text_at_all_is_rejected() -> None:
    assert rejected(raw_mail([("From", "a@example.com")], b"   \r\n")).reason is EmailRejectReason.NO_TEXT


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", EmailRejectReason.EMPTY),
        (b" \r\n ", EmailRejectReason.EMPTY),
        (b"Subject: hi\r\n\r\nno sender", EmailRejectReason.NO_SENDER),
        (b"From: not an address\r\nSubject: hi\r\n\r\nbody", EmailRejectReason.NO_SENDER),
        (b"From: a@@b\r\nSubject: hi\r\n\r\nbody", EmailRejectReason.INVALID_SENDER),
        (b"just some bytes \xff\x00", EmailRejectReason.NO_SENDER),
    ],
)
def test_malformed_mail(raw: bytes, reason: EmailRejectReason) -> None:
    assert rejected(raw).reason is reason


def test_not_bytes_is_malformed() -> None:
    with pytest.raises(EmailRejected) as caught:
        parse_inbound_email("text", received_at=NOW)  # type: ignore[arg-type]
    assert caught.value.reason is EmailRejectReason.MALFORMED


def test_size_limits() -> None:
    raw = with_attachments()
    assert rejected(raw, limits=EmailLimits(max_message_bytes=100)).reason is EmailRejectReason.TOO_LARGE
    assert rejected(raw, limits=EmailLimits(max_parts=2)).reason is EmailRejectReason.TOO_MANY_PARTS


def test_an_attachment_over_the_limit_is_dropped_and_the_message_kept() -> None:
    mail = parse(with_attachments(), limits=EmailLimits(max_attachment_bytes=12))  # the PDF is 20 bytes
    assert [a.filename for a in mail.attachments] == ["screenshot.png"]
    assert "磁盘告警" in mail.request.description  # the customer's words are kept
    assert "[Attachments not kept:\n- 故障报告.pdf (20 bytes): over the limit of 12" in mail.request.description
    extra = parse(with_attachments(), limits=EmailLimits(max_attachments=1))
    assert [a.filename for a in extra.attachments] == ["故障报告.pdf"]
    assert "screenshot.png" in extra.request.description and "more than 1 attachments" in extra.request.description


def test_an_attachment_with_truncated_encoding_is_kept_marked_damaged() -> None:
    raw = with_attachments().replace(b"iVBORw0KGgpmYWtl", b"iVBORw0KGgpmYWt")  # the PNG's base64 cut short
    mail = parse(raw)
    png = next(a for a in mail.attachments if a.filename == "screenshot.png")
    assert png.note is not None and png.note.startswith("damaged")
    assert next(a for a in mail.request.attachments if a.filename == "screenshot.png").note == png.note
    pdf = next(a for a in mail.attachments if a.filename != "screenshot.png")
    assert pdf.note is None


def test_long_body_is_truncated_not_lost() -> None:
    mail = parse(simple("故障" * 20_000).as_bytes())
    assert len(mail.request.description) <= 20_000
    assert mail.request.description.endswith("[…truncated]")
    assert any("truncated" in warning for warning in mail.warnings)


def test_rejection_maps_to_invalid_argument() -> None:
    error = rejected(b"")
    assert error.code == "invalid-argument"
    assert error.violations[0].field == "email"
    assert error.extra["reason"] == "empty"
