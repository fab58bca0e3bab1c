"""Message templates: Jinja2 in a sandbox, per event type, channel and language, versioned.

Administrators edit templates, so a template is untrusted code: `SandboxedEnvironment` refuses
attribute access to Python internals (`__class__`, `__globals__`, `mro`, ...) and the context holds
plain values only. A template is checked when saved: it must compile, render against a sample notice
without touching anything unsafe or undefined, and an SMS template must fit its segment budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aftercare_platform.errors import InvalidArgument
from aftercare_platform.languages import Language
from jinja2 import StrictUndefined, Template, TemplateError, Undefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from notify.domain.notice import Contact, Notice
from notify.domain.sms_length import SmsLength, sms_length
from notify.domain.vocabulary import Channel


@dataclass(frozen=True)
class TemplateKey:
    event_type: str
    channel: Channel
    language: str

    def __str__(self) -> str:
        return f"{self.event_type}/{self.channel}/{self.language}"


@dataclass(frozen=True)
class MessageTemplate:
    key: TemplateKey
    version: int  # 0: the built-in default
    body: str
    subject: str = ""  # e-mail only
    html: str = ""  # e-mail only; empty: the text body, escaped, in <pre>


@dataclass(frozen=True)
class Rendered:
    template: TemplateKey
    version: int
    subject: str
    text: str
    html: str
    sms: SmsLength | None


def _environment(*, strict: bool, html: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        autoescape=html,
        undefined=StrictUndefined if strict else Undefined,
        trim_blocks=True,
        keep_trailing_newline=False,
    )


_SEND_TEXT, _SEND_HTML = _environment(strict=False, html=False), _environment(strict=False, html=True)
_CHECK_TEXT, _CHECK_HTML = _environment(strict=True, html=False), _environment(strict=True, html=True)

# a notice with every field a template may use, long where it can be long
SAMPLE_NOTICE = Notice(
    event_id="00000000-0000-0000-0000-000000000000",
    event_type="sample",
    case_id="00000000-0000-0000-0000-000000000000",
    case_number="EA-20261121-000042",
    company_id="company",
    region="east",
    priority="P1",
    occurred_at=datetime(2026, 11, 21, 9, 30, tzinfo=UTC),
    caller=Contact(name="Li Lei"),
    facts={
        "deadline": "2026-11-21 10:30", "warning_label": "30m", "assignee_name": "Wang Fang",
        "recipient_name": "Zhang Wei", "status": "in_progress", "reason": "", "console_url": "https://c.example/x",
        "link": "https://s.example/s/xxxxxxxx", "opt_out_link": "https://s.example/s/xxxxxxxx/opt-out",
        "overall": 2, "comment": "still broken", "clock_kind": "first_response", "complaint_about": "engineer",
        "planned_on": "2026-12-01", "scheduled_on": "2026-12-01",
    },
)


@lru_cache(maxsize=1024)
def _compiled(env: SandboxedEnvironment, source: str) -> Template:
    """Compiling is most of a render's cost: each source is compiled once per environment."""
    return env.from_string(source)


def _render(env: SandboxedEnvironment, source: str, context: dict[str, Any]) -> str:
    return _compiled(env, source).render(context).strip()


def render(template: MessageTemplate, context: dict[str, Any]) -> Rendered:
    """Render for sending: a variable the event does not carry renders empty rather than failing the message."""
    return _render_with(template, context, _SEND_TEXT, _SEND_HTML)


def _render_with(
    template: MessageTemplate, context: dict[str, Any], text_env: SandboxedEnvironment, html_env: SandboxedEnvironment
) -> Rendered:
    text = _render(text_env, template.body, context)
    subject = _render(text_env, template.subject, context) if template.subject else ""
    html = _render(html_env, template.html, context) if template.html else ""
    sms = sms_length(text) if template.key.channel is Channel.SMS else None
    return Rendered(template.key, template.version, subject, text, html, sms)


def check(template: MessageTemplate, sms_budget: int, context: dict[str, Any] | None = None) -> Rendered:
    """Refuse (InvalidArgument naming the field) a template that does not compile, reaches for what the sandbox
    forbids, names an undefined variable, or renders an SMS over `sms_budget` segments."""
    if template.key.language not in {lang.value for lang in Language}:
        raise InvalidArgument.for_field("language", f"{template.key.language!r} is not one of zh-CN, en")
    if template.key.channel is Channel.EMAIL and not template.subject.strip():
        raise InvalidArgument.for_field("subject", "an e-mail template needs a subject")
    if not template.body.strip():
        raise InvalidArgument.for_field("body", "the template is empty")
    sample = context if context is not None else SAMPLE_NOTICE.template_context()
    for field_name, source, env in (("body", template.body, _CHECK_TEXT), ("subject", template.subject, _CHECK_TEXT),
                                    ("html", template.html, _CHECK_HTML)):
        try:
            _render(env, source, sample)
        except SecurityError as unsafe:
            raise InvalidArgument.for_field(field_name, f"refused by the sandbox: {unsafe}") from unsafe
        except TemplateError as bad:
            raise InvalidArgument.for_field(field_name, f"does not render: {bad}") from bad
    rendered = _render_with(template, sample, _CHECK_TEXT, _CHECK_HTML)
    if rendered.sms is not None and rendered.sms.segments > sms_budget:
        raise InvalidArgument.for_field(
            "body",
            f"renders to {rendered.sms.segments} SMS segments ({rendered.sms.units} {rendered.sms.encoding} units) "
            f"against the sample event; the budget is {sms_budget}",
        )
    return rendered
