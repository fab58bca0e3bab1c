import email

import pytest
from aftercare_platform.errors import InvalidArgument
from notify.default_templates import PHRASES, default_template
from notify.domain.vocabulary import Channel
from notify.mail import compose, is_automatic, never_answer, thread_id
from notify.templating import MessageTemplate, TemplateKey, check, render

from .conftest import notice

SMS_EN = TemplateKey("case.assigned", Channel.SMS, "en")

ATTACKS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ case_number.__class__.__base__ }}",
    "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ (lipsum|attr('__globals__'))['os'] }}",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_template_cannot_reach_python_internals(attack: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        check(MessageTemplate(SMS_EN, 1, attack), sms_budget=5)
    assert refused.value.violations[0].field == "body"
    # and at send time the sandbox refuses the same template instead of running it
    with pytest.raises(Exception, match=r"unsafe|access|attribute|undefined"):
        render(MessageTemplate(SMS_EN, 1, attack), notice().template_context())


def test_sms_template_over_budget_is_refused_at_save_with_the_count() -> None:
    long_chinese = "【Aftercare】案件{{ case_number }}" + "请尽快处理" * 30
    with pytest.raises(InvalidArgument, match="budget is 2") as refused:
        check(MessageTemplate(TemplateKey("sla.warning", Channel.SMS, "zh-CN"), 1, long_chinese), sms_budget=2)
    assert "ucs2" in refused.value.detail


def test_undefined_variable_and_syntax_errors_are_refused_naming_the_field() -> None:
    key = TemplateKey("case.created", Channel.EMAIL, "en")
    with pytest.raises(InvalidArgument, match="subject"):
        check(MessageTemplate(key, 1, "ok", subject="[{{ case_numbre }}]"), sms_budget=2)
    with pytest.raises(InvalidArgument, match="body"):
        check(MessageTemplate(key, 1, "{% if %}", subject="s"), sms_budget=2)
    with pytest.raises(InvalidArgument, match="language"):
        check(MessageTemplate(TemplateKey("case.created", Channel.SMS, "fr"), 1, "x"), sms_budget=2)


def test_every_default_template_passes_its_own_check_within_two_sms_parts() -> None:
    for event_type in PHRASES:
        for channel in Channel:
            for language in ("en", "zh-CN"):
                rendered = check(default_template(TemplateKey(event_type, channel, language)), sms_budget=2)
                assert rendered.text


def test_rendered_in_the_recipients_language_with_the_case_number() -> None:
    context = notice("case.assigned").template_context()
    zh = render(default_template(TemplateKey("case.assigned", Channel.SMS, "zh-CN")), context)
    en = render(default_template(TemplateKey("case.assigned", Channel.EMAIL, "en")), context)
    assert "EA-20261121-000001" in zh.text and "派" in zh.text
    assert zh.sms is not None and zh.sms.segments == 1
    assert en.subject.startswith("[EA-20261121-000001]")


def test_html_part_escapes_event_text() -> None:
    key = TemplateKey("case.reopened", Channel.EMAIL, "en")
    context = {**notice().template_context(), "reason": "<script>alert(1)</script>"}
    rendered = render(default_template(key), context)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>" in rendered.text  # plain text is plain


def test_email_is_multipart_threaded_and_marked_automatic() -> None:
    message = compose(sender="desk@aftercare.example", to="li@example.com", subject="[EA-1] Case opened",
                      text="hello", html="<p>hello</p>", case_id="case-1", delivery_id="d-1",
                      domain="aftercare.example", reply_to="intake@aftercare.example")
    parsed = email.message_from_bytes(bytes(message))
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.get_payload()] == ["text/plain", "text/html"]
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["References"] == thread_id("case-1", "aftercare.example")
    assert "EA-1" in parsed["Subject"]


def test_bounces_and_auto_replies_are_recognised() -> None:
    assert is_automatic({"Auto-Submitted": "auto-replied", "Return-Path": "<a@b>"})
    assert is_automatic({"Return-Path": "<>"})
    assert is_automatic({"Precedence": "bulk", "Return-Path": "<a@b>"})
    assert is_automatic({"Content-Type": "multipart/report; report-type=delivery-status", "Return-Path": "<a@b>"})
    assert not is_automatic({"Auto-Submitted": "no", "Return-Path": "<li@example.com>"})
    assert never_answer("MAILER-DAEMON@mx.example") and never_answer("noreply@x.example")
    assert not never_answer("li@example.com")
