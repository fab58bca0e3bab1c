"""Real-looking inbound mail, as raw bytes, for the email parser tests."""

from __future__ import annotations

import base64
from email.message import EmailMessage


def b_word(text: str, charset: str) -> str:
    """An RFC 2047 B-encoded word."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def raw_mail(headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    return head + b"\r\n" + body


def gbk_plain() -> bytes:
    """Foxmail-style: GBK body sent 8-bit, subject RFC 2047 in gb2312."""
    return raw_mail(
        [
            ("From", f"{b_word('王工', 'gb2312')} <wang.gong@hospital.example.cn>"),
            ("To", "support@aftercare.example"),
            ("Subject", b_word("【紧急】核心交换机端口故障", "gb2312")),
            ("Message-ID", "<20261121093000.1234@hospital.example.cn>"),
            ("Date", "Sat, 21 Nov 2026 09:30:00 +0800"),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'text/plain; charset="gbk"'),
            ("Content-Transfer-Encoding", "8bit"),
        ],
        "您好：\r\n三楼机房核心交换机 24 口闪红灯，错误码：SW-4021。\r\n业务中断，请尽快处理。镕\r\n".encode("gbk"),
    )


def html_only() -> bytes:
    message = EmailMessage()
    message["From"] = "IT Desk <it@city.example.com>"
    message["To"] = "support@aftercare.example"
    message["Subject"] = "Video wall not showing camera 12"
    message["Message-ID"] = "<html-only@city.example.com>"
    message.set_content(
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Camera&nbsp;12 shows <b>black</b> on the video wall.</p>"
        "<div>Error code: VW-0012</div><script>alert(1)</script></body></html>",
        subtype="html",
    )
    return message.as_bytes()


def with_attachments() -> bytes:
    message = EmailMessage()
    message["From"] = "李四 <lisi@example.com.cn>"
    message["To"] = "support@aftercare.example"
    message["Subject"] = "服务器磁盘告警，附日志和截图"
    message.set_content("服务器 DB-01 磁盘告警，日志见附件。", charset="utf-8")
    message.add_attachment(b"%PDF-1.4 fake report", maintype="application", subtype="pdf", filename="故障报告.pdf")
    message.add_attachment(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", filename="screenshot.png")
    return message.as_bytes()


def bounce() -> bytes:
    """A Postfix-style delivery status notification (RFC 3464)."""
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        b"To: support@aftercare.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n'
        b"\r\n"
        b"--B1\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        b"This is the mail system at host mx.example.com.\r\nI'm sorry to have to inform you...\r\n"
        b"--B1\r\n"
        b"Content-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--B1\r\n"
        b"Content-Type: text/rfc822-headers\r\n\r\n"
        b"From: support@aftercare.example\r\nSubject: Case EA-20261121-000042 opened\r\n"
        b"--B1--\r\n"
    )


def bounce_without_daemon_sender() -> bytes:
    """A bounce whose only tell is its multipart/report structure."""
    return (
        bounce()
        .replace(b"MAILER-DAEMON@mx.example.com", b"bounces@example.com")
        .replace(b"Subject: Undelivered Mail Returned to Sender", b"Subject: Re: your message")
        .replace(b"Auto-Submitted: auto-replied\r\n", b"")
    )


def auto_reply(**extra: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Zhang San <zhangsan@example.com>"
    message["To"] = "support@aftercare.example"
    message["Subject"] = extra.pop("subject", "自动回复: 您的工单 EA-20261121-000042 已受理")
    for name, value in extra.items():
        message[name.replace("_", "-")] = value
    message.set_content("我正在休假，11 月 30 日返回。")
    return message.as_bytes()


def reply_quoting_case() -> bytes:
    message = EmailMessage()
    message["From"] = "Zhang San <zhangsan@example.com>"
    message["To"] = "support@aftercare.example"
    message["Subject"] = "Re: [Aftercare] Case EA-20261121-000042 opened"
    message["In-Reply-To"] = "<ack-EA-20261121-000042@aftercare.example>"
    message["References"] = "<ack-EA-20261121-000042@aftercare.example>"
    message.set_content(
        "The camera is still offline after the reboot.\n\n"
        "On Sat, 21 Nov 2026 at 10:00, Aftercare <support@aftercare.example> wrote:\n"
        "> Your case EA-20261121-000042 has been opened.\n"
        "> Priority P2.\n"
    )
    return message.as_bytes()
