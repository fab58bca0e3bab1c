"""The customer's survey page, served by the service itself: small server-rendered HTML (zh-CN, en),
no login (the signed link is the key), no script. A refused link gets a clear page and a 4xx."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from aftercare_platform.errors import DomainError, InvalidArgument
from aftercare_platform.servers.error_statuses import statuses_of
from aftercare_platform.servers.http_guard import accepts
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from survey.handlers import LinkRefused, SurveyHandlers

# the answer page posts plain HTML forms
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

TEXT: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "服务满意度调查", "language": "语言", "case": "案件编号", "submit": "提交",
        "yes": "是", "no": "否", "scale": "1 = 非常不满意，5 = 非常满意",
        "opt_out": "以后不要再向我发送调查", "opt_out_confirm": "确认不再接收调查",
        "fix_errors": "请更正以下内容：", "check_field": "请选择或更正此项",
        "thanks": "感谢您的评价！",
        "thanks_unsatisfied": "很抱歉未能让您满意。我们已重新打开您的案件，主管将尽快与您联系。",
        "complaint_heading": "投诉", "complaint_about": "投诉内容",
        "about_fix": "问题处理（慢或无效）",
        "about_engineer": "工程师", "complaint_text": "请描述您的投诉", "complaint_submit": "提交投诉",
        "complaint_filed": "您的投诉已提交，主管将与您联系。", "opted_out": "我们以后不会再向您发送调查。",
        "forged": "此链接无效。请检查链接是否完整，或联系我们的服务热线。",
        "unknown": "此链接无效。请检查链接是否完整，或联系我们的服务热线。",
        "expired": "此调查链接已过期。感谢您的关注，如有问题请联系我们的服务热线。",
        "answered": "您已经提交过此调查，感谢您的评价。", "complained": "您已就此案件提交过投诉。",
        "refused": "无法处理此请求。",
    },
    "en": {
        "title": "Service satisfaction survey", "language": "Language", "case": "Case", "submit": "Send",
        "yes": "Yes", "no": "No", "scale": "1 = very unsatisfied, 5 = very satisfied",
        "opt_out": "Do not send me surveys again", "opt_out_confirm": "Stop sending me surveys",
        "fix_errors": "Please correct the following:",
        "thanks": "Thank you for your answer!",
        "thanks_unsatisfied": ("We are sorry we did not satisfy you. "
                               "Your case is reopened and a supervisor will contact you."),
        "complaint_heading": "File a complaint", "complaint_about": "About",
        "about_fix": "The fix (slow or ineffective)",
        "about_engineer": "The engineer", "complaint_text": "Your complaint", "complaint_submit": "Send the complaint",
        "complaint_filed": "Your complaint is filed; a supervisor will contact you.",
        "opted_out": "We will not send you surveys again.",
        "forged": "This link is not valid. Please check that it is complete, or call our service line.",
        "unknown": "This link is not valid. Please check that it is complete, or call our service line.",
        "expired": "This survey link has expired. Thank you; if something is wrong, please call our service line.",
        "answered": "This survey was already answered. Thank you for your answer.",
        "complained": "A complaint was already filed from this survey.",
        "refused": "This request cannot be handled.",
    },
}
# a refused link: not found for a forged or unknown one, gone once expired, conflict once used
STATUS = {"forged": 404, "unknown": 404, "expired": 410, "answered": 409, "complained": 409}

_env = SandboxedEnvironment(autoescape=select_autoescape(default=True, default_for_string=True))
_page = _env.from_string(files("survey").joinpath("templates/page.html").read_text(encoding="utf-8"))


def _lang(request: Request, fallback: str, posted: Any = None) -> str:
    chosen = posted or request.query_params.get("lang") or fallback
    return chosen if chosen in TEXT else "zh-CN"


def render(lang: str, heading: str, status: int = 200, **context: Any) -> HTMLResponse:
    page = _page.render(lang=lang, t=TEXT[lang], heading=heading, labels={}, values={}, **context)
    return HTMLResponse(page, status_code=status, headers={"cache-control": "no-store"})


def refused_page(lang: str, reason: str) -> HTMLResponse:
    return render(lang, TEXT[lang]["title"], STATUS.get(reason, 400), message=TEXT[lang].get(reason, reason))


def pages(handlers: SurveyHandlers) -> APIRouter:
    api = APIRouter(prefix="/s", include_in_schema=False)
    fallback = handlers.settings.default_language

    @api.get("/{token}", response_class=HTMLResponse)
    async def show(token: str, request: Request) -> HTMLResponse:
        lang = _lang(request, fallback)
        try:
            form = await handlers.open_form(token)
        except LinkRefused as refused:
            return refused_page(lang, refused.reason)
        lang = _lang(request, form.invitation.language)
        if form.answered:
            return render(lang, TEXT[lang]["title"], 409, message=TEXT[lang]["answered"],
                          complaint=f"/s/{token}/complaint")
        return render(lang, TEXT[lang]["title"], form=form.questionnaire, action=f"/s/{token}",
                      case_number=form.invitation.case_number)

    @api.post("/{token}", response_class=HTMLResponse)
    @accepts(*FORM_TYPES)
    async def answer(token: str, request: Request) -> HTMLResponse:
        fields = {key: str(value) for key, value in (await request.form()).items()}
        lang = _lang(request, fallback, fields.get("lang"))
        try:
            _, unsatisfied = await handlers.submit(token, fields)
        except LinkRefused as refused:
            complaint = f"/s/{token}/complaint" if refused.reason == "answered" else None
            return render(lang, TEXT[lang]["title"], STATUS[refused.reason], message=TEXT[lang][refused.reason],
                          complaint=complaint)
        except InvalidArgument as invalid:
            form = await handlers.open_form(token)
            # the domain says what is wrong in English; a Chinese page asks to check the field
            errors = [(v.field, TEXT[lang].get("check_field", v.description)) for v in invalid.violations]
            page = _page.render(lang=lang, t=TEXT[lang], heading=TEXT[lang]["title"], form=form.questionnaire,
                                action=f"/s/{token}", case_number=form.invitation.case_number, errors=errors,
                                values=fields, labels={q.key: q.labels.get(lang, q.key)
                                                       for q in form.questionnaire.questions})
            return HTMLResponse(page, status_code=422, headers={"cache-control": "no-store"})
        message = TEXT[lang]["thanks_unsatisfied" if unsatisfied else "thanks"]
        return render(lang, TEXT[lang]["thanks"], message=message, complaint=f"/s/{token}/complaint")

    @api.post("/{token}/complaint", response_class=HTMLResponse)
    @accepts(*FORM_TYPES)
    async def complain(token: str, request: Request) -> HTMLResponse:
        fields = {key: str(value) for key, value in (await request.form()).items()}
        lang = _lang(request, fallback, fields.get("lang"))
        try:
            await handlers.complain(token, fields.get("about", "fix"), fields.get("text", ""))
        except LinkRefused as refused:
            return refused_page(lang, refused.reason)
        except DomainError as error:
            return render(lang, TEXT[lang]["complaint_heading"], int(statuses_of(error).http), message=str(error),
                          complaint=f"/s/{token}/complaint")
        return render(lang, TEXT[lang]["complaint_heading"], message=TEXT[lang]["complaint_filed"])

    @api.get("/{token}/opt-out", response_class=HTMLResponse)
    async def confirm_opt_out(token: str, request: Request) -> HTMLResponse:
        lang = _lang(request, fallback)
        try:
            await handlers.open_form(token)
        except LinkRefused as refused:
            return refused_page(lang, refused.reason)
        return render(lang, TEXT[lang]["title"], opt_out=f"/s/{token}/opt-out")

    @api.post("/{token}/opt-out", response_class=HTMLResponse)
    @accepts(*FORM_TYPES)
    async def opt_out(token: str, request: Request) -> HTMLResponse:
        lang = _lang(request, fallback, (await request.form()).get("lang"))
        try:
            await handlers.opt_out(token)
        except LinkRefused as refused:
            return refused_page(lang, refused.reason)
        return render(lang, TEXT[lang]["title"], message=TEXT[lang]["opted_out"])

    return api
