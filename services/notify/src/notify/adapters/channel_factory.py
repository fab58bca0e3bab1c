"""The channels the settings ask for, each wrapped in short in-process retries."""

from __future__ import annotations

from pathlib import Path

import httpx
from aftercare_platform.clock import Clock

from notify.channels.base import ChannelSender
from notify.channels.file_sink import FileSink
from notify.channels.retrying import Retrying
from notify.channels.sms_gateways import (
    BasicAuthGatewayConfig,
    BasicAuthSms,
    FailoverSms,
    SignedGatewayConfig,
    SignedRequestSms,
)
from notify.channels.smtp import SmtpConfig, SmtpSender
from notify.channels.webhook import WebhookSender
from notify.domain.vocabulary import Channel
from notify.settings import NotifySettings


def _sms(kind: str, s: NotifySettings, client: httpx.AsyncClient) -> ChannelSender | None:
    if kind == "aliyun":
        return SignedRequestSms(SignedGatewayConfig(s.aliyun_url, s.aliyun_access_key_id, s.aliyun_access_key_secret,
                                                    s.aliyun_sign_name, s.aliyun_template_code), client)
    if kind == "twilio":
        return BasicAuthSms(BasicAuthGatewayConfig(s.twilio_url, s.twilio_account_sid, s.twilio_auth_token,
                                                   s.twilio_from, s.twilio_status_callback), client)
    if kind == "file":
        return FileSink(Path(s.file_sink_dir) / "sms.jsonl", Channel.SMS)
    return None


def build_channels(s: NotifySettings, client: httpx.AsyncClient, clock: Clock) -> dict[Channel, ChannelSender]:
    channels: dict[Channel, ChannelSender] = {}
    if s.email_transport == "file":
        channels[Channel.EMAIL] = FileSink(Path(s.file_sink_dir) / "email.jsonl", Channel.EMAIL)
    else:
        channels[Channel.EMAIL] = Retrying(SmtpSender(SmtpConfig(
            s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username, s.smtp_password, s.mail_from,
            s.mail_bounce_address, s.mail_reply_to, s.mail_domain, ca_file=s.smtp_ca_file),
            pool_size=s.sender_concurrency, clock=clock), s.attempt_retries)
    primary, secondary = _sms(s.sms_primary, s, client), _sms(s.sms_secondary, s, client)
    if primary is not None:
        sms = FailoverSms(Retrying(primary, s.attempt_retries), secondary) if secondary is not None else primary
        channels[Channel.SMS] = sms if secondary is not None else Retrying(primary, s.attempt_retries)
    channels[Channel.WEBHOOK] = Retrying(WebhookSender(s.webhook_secret, client), s.attempt_retries)
    return channels
