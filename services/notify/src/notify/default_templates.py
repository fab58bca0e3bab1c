"""The built-in templates (version 0): one phrase per event type and language, in an SMS shape and an
e-mail shape. Administrators save newer versions; these stay the fall-back."""

from __future__ import annotations

from notify.domain.vocabulary import Channel
from notify.templating import MessageTemplate, TemplateKey

PHRASES: dict[str, dict[str, tuple[str, str]]] = {
    # event type: language: (e-mail subject title, sentence)
    "case.created": {
        "en": ("Case opened", "Your case {{ case_number }} was opened. Quote this number whenever you contact us."),
        "zh-CN": ("报修已受理", "您的报修已受理，案件号{{ case_number }}，联系我们时请提供此号码。"),
    },
    "case.assigned": {
        "en": ("Case assigned to you", "Case {{ case_number }} ({{ priority }}) is assigned to you. "
               "Answer the customer within the hour."),
        "zh-CN": ("新派单", "案件{{ case_number }}（{{ priority }}）已派给您，请在1小时内响应客户。"),
    },
    "case.acknowledged": {
        "en": ("An engineer is on your case", "An engineer is working on your case {{ case_number }}."),
        "zh-CN": ("工程师已响应", "工程师已开始处理您的案件{{ case_number }}。"),
    },
    "case.waiting_for_customer": {
        "en": ("We need your answer", "Case {{ case_number }} waits for your answer: {{ reason }}"),
        "zh-CN": ("需要您的答复", "案件{{ case_number }}等待您的答复：{{ reason }}"),
    },
    "case.resolved": {
        "en": ("Case resolved", "Case {{ case_number }} is resolved. Please confirm the fix."),
        "zh-CN": ("案件已解决", "案件{{ case_number }}已解决，请确认。"),
    },
    "case.reopened": {
        "en": ("Case reopened", "Case {{ case_number }} was reopened: {{ reason }}"),
        "zh-CN": ("案件已重新打开", "案件{{ case_number }}已重新打开：{{ reason }}"),
    },
    "case.cancelled": {
        "en": ("Case cancelled", "Case {{ case_number }} was cancelled."),
        "zh-CN": ("案件已取消", "案件{{ case_number }}已取消。"),
    },
    "survey.sent": {
        "en": ("How did we do?", "{% if case_number %}Case {{ case_number }} is closed. {% endif %}"
               "Tell us how we did: {{ link }}"),
        "zh-CN": ("满意度调查", "{% if case_number %}案件{{ case_number }}已办结，{% endif %}"
                  "请评价我们的服务：{{ link }}"),
    },
    "survey.unsatisfied": {
        "en": ("Customer unsatisfied", "The customer is unsatisfied with case {{ case_number }} (overall "
               "{{ overall }}/5){% if comment %}: {{ comment }}{% endif %}. The case is reopened."),
        "zh-CN": ("客户不满意", "客户对案件{{ case_number }}不满意（总体{{ overall }}/5）"
                  "{% if comment %}：{{ comment }}{% endif %}。案件已重新打开。"),
    },
    "case.complaint_filed": {
        "en": ("Complaint", "Complaint on case {{ case_number }} ({{ priority }}) about the {{ complaint_about }}."),
        "zh-CN": ("客户投诉", "案件{{ case_number }}（{{ priority }}）收到投诉：{{ complaint_about }}。"),
    },
    "case.vendor_escalation_confirmed": {
        "en": ("Vendor support requested", "Case {{ case_number }} needs the original vendor's support."),
        "zh-CN": ("申请原厂支持", "案件{{ case_number }}需要原厂技术支持。"),
    },
    "dispatch.supervisor_alert": {
        "en": ("Unassigned case", "Case {{ case_number }} has no engineer and waits in the desk queue: {{ reason }}"),
        "zh-CN": ("案件无人接单", "案件{{ case_number }}无工程师可派，已进入坐席队列：{{ reason }}"),
    },
    "sla.warning": {
        "en": ("SLA warning", "SLA warning ({{ warning_label }}) on case {{ case_number }} ({{ priority }}): "
               "{{ clock_kind }} due {{ deadline }}."),
        "zh-CN": ("SLA预警", "案件{{ case_number }}（{{ priority }}）SLA预警（{{ warning_label }}），"
                  "{{ clock_kind }}截止{{ deadline }}。"),
    },
    "sla.breached": {
        "en": ("SLA BREACHED", "SLA breached on case {{ case_number }} ({{ priority }}): {{ clock_kind }} "
               "was due {{ deadline }}."),
        "zh-CN": ("SLA超时", "案件{{ case_number }}（{{ priority }}）已超时：{{ clock_kind }}截止{{ deadline }}。"),
    },
    "inspection.notice_due": {
        "en": ("Inspection scheduled", "An on-site inspection is scheduled on {{ scheduled_on }}."),
        "zh-CN": ("巡检通知", "现场巡检安排在{{ scheduled_on }}。"),
    },
    "inspection.reported": {
        "en": ("Inspection report", "The inspection report is ready: {{ console_url }}"),
        "zh-CN": ("巡检报告", "巡检报告已提交：{{ console_url }}"),
    },
}
GENERIC = {
    "en": ("Case update", "Case {{ case_number }} was updated."),
    "zh-CN": ("案件更新", "案件{{ case_number }}有更新。"),
}
# what an e-mail says below the sentence (an SMS has no room for it)
EMAIL_EXTRA = {
    "survey.sent": {
        "en": "{% if opt_out_link %}Never asked again: {{ opt_out_link }}{% endif %}",
        "zh-CN": "{% if opt_out_link %}不再接收调查：{{ opt_out_link }}{% endif %}",
    },
}
SMS_PREFIX = {"en": "Aftercare: ", "zh-CN": "【Aftercare】"}
GREETING = {"en": "{% if recipient_name %}Dear {{ recipient_name }},{% endif %}", "zh-CN":
            "{% if recipient_name %}{{ recipient_name }}，您好：{% endif %}"}
FOOTER = {
    "en": "Reply to this e-mail to add to case {{ case_number }}. This message was sent automatically.",
    "zh-CN": "直接回复本邮件即可补充案件{{ case_number }}的信息。本邮件由系统自动发送。",
}


def default_template(key: TemplateKey) -> MessageTemplate:
    language = key.language if key.language in GENERIC else "en"
    title, sentence = PHRASES.get(key.event_type, GENERIC).get(language, GENERIC[language])
    if key.channel is Channel.SMS:
        return MessageTemplate(key, 0, SMS_PREFIX[language] + sentence)
    if key.channel is Channel.WEBHOOK:
        return MessageTemplate(key, 0, sentence)
    extra = EMAIL_EXTRA.get(key.event_type, {}).get(language, "")
    text_part = f"{sentence}\n\n{extra}" if extra else sentence
    html_part = f"<p>{sentence}</p>\n<p>{extra}</p>" if extra else f"<p>{sentence}</p>"
    body = f"{GREETING[language]}\n\n{text_part}\n\n-- \n{FOOTER[language]}"
    html = f"<p>{GREETING[language]}</p>\n{html_part}\n<hr><p><small>{FOOTER[language]}</small></p>"
    subject = f"{{% if case_number %}}[{{{{ case_number }}}}] {{% endif %}}{title}"  # replies thread by the number
    return MessageTemplate(key, 0, body, subject=subject, html=html)
