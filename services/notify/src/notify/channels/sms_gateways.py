"""SMS through HTTP gateways in the two common provider shapes, and fail-over between two of them.

- Signed-request style (like Aliyun's SendSms RPC API): form parameters signed with HMAC-SHA1 over the
  sorted, percent-encoded query; `SignatureNonce` and `OutId` carry our delivery key, so the provider
  refuses a replayed request and its receipts name our delivery.
- Basic-auth style (like Twilio's Messages API): form post with account id and token, the delivery key
  in the `I-Twilio-Idempotency-Token` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from notify.channels.base import Accepted, ChannelSender, Outgoing, PermanentFailure, TransientFailure
from notify.channels.http_errors import status_failure, transport_failure
from notify.domain.vocabulary import Channel

# Aliyun answer codes worth another try later; any other non-OK code is permanent
ALIYUN_TRANSIENT = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "SignatureNonceUsed.Throttling", "ServiceUnavailable",
                              "Throttling", "InternalError"})


def _percent(value: str) -> str:
    return quote(value, safe="-_.~")


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()) if k != "Signature")
    string_to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_aliyun(params: Mapping[str, str], secret: str, method: str = "POST") -> bool:
    return hmac.compare_digest(params.get("Signature", ""), aliyun_signature(params, secret, method))


def twilio_signature(url: str, params: Mapping[str, str], token: str) -> str:
    """The status-callback signature: HMAC-SHA1 of the URL followed by each sorted name and value."""
    payload = url + "".join(f"{k}{v}" for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def verify_twilio(url: str, params: Mapping[str, str], signature: str, token: str) -> bool:
    return hmac.compare_digest(signature, twilio_signature(url, params, token))


@dataclass(frozen=True)
class SignedGatewayConfig:
    url: str
    access_key_id: str
    access_key_secret: str
    sign_name: str = "Aftercare"
    template_code: str = "SMS_AFTERCARE_TEXT"  # one approved template whose single parameter is the text
    timeout_seconds: float = 10.0


class SignedRequestSms:
    channel = Channel.SMS

    def __init__(self, config: SignedGatewayConfig, client: httpx.AsyncClient, name: str = "aliyun",
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config, self._client, self.name, self._now = config, client, name, now

    def _params(self, message: Outgoing) -> dict[str, str]:
        c = self.config
        params = {
            "AccessKeyId": c.access_key_id, "Action": "SendSms", "Format": "JSON", "Version": "2017-05-25",
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": message.delivery_id,
            "Timestamp": self._now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": message.address, "SignName": c.sign_name, "TemplateCode": c.template_code,
            "TemplateParam": json.dumps({"content": message.text}, ensure_ascii=False), "OutId": message.delivery_id,
        }
        params["Signature"] = aliyun_signature(params, c.access_key_secret)
        return params

    async def send(self, message: Outgoing) -> Accepted:
        try:
            response = await self._client.post(self.config.url, data=self._params(message),
                                               timeout=self.config.timeout_seconds)
        except httpx.TransportError as error:
            raise transport_failure(self.name, error) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise status_failure(self.name, response)
        try:
            body = response.json()
        except ValueError as bad:
            raise TransientFailure(self.name, f"HTTP {response.status_code}, not JSON") from bad
        code = str(body.get("Code", ""))
        if code == "OK":
            return Accepted(self.name, str(body.get("BizId", "")))
        failure = TransientFailure if code in ALIYUN_TRANSIENT else PermanentFailure
        raise failure(self.name, f"{code}: {body.get('Message', '')}")

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class BasicAuthGatewayConfig:
    url: str  # the Messages endpoint, e.g. https://api.twilio.com/2010-04-01/Accounts/<sid>/Messages.json
    account_sid: str
    auth_token: str
    from_number: str
    status_callback: str = ""  # our receipts endpoint
    timeout_seconds: float = 10.0


class BasicAuthSms:
    channel = Channel.SMS

    def __init__(self, config: BasicAuthGatewayConfig, client: httpx.AsyncClient, name: str = "twilio") -> None:
        self.config, self._client, self.name = config, client, name

    async def send(self, message: Outgoing) -> Accepted:
        c = self.config
        form = {"To": message.address, "From": c.from_number, "Body": message.text}
        if c.status_callback:
            form["StatusCallback"] = c.status_callback
        try:
            response = await self._client.post(
                c.url, data=form, auth=(c.account_sid, c.auth_token), timeout=c.timeout_seconds,
                headers={"I-Twilio-Idempotency-Token": message.delivery_id},
            )
        except httpx.TransportError as error:
            raise transport_failure(self.name, error) from error
        if not response.is_success:
            raise status_failure(self.name, response)
        return Accepted(self.name, str(response.json().get("sid", "")))

    async def close(self) -> None:
        return None


class FailoverSms:
    """The first provider, and the second when the first failed for sure (nothing accepted).

    A failure that may have reached the first provider (a read timeout) is not handed to the second:
    that could send the text twice. It is retried later on the first, under the same idempotency key."""

    channel = Channel.SMS

    def __init__(self, primary: ChannelSender, secondary: ChannelSender) -> None:
        self.primary, self.secondary = primary, secondary
        self.name = f"{primary.name}+{secondary.name}"

    async def send(self, message: Outgoing) -> Accepted:
        try:
            return await self.primary.send(message)
        except TransientFailure as failure:
            if failure.maybe_accepted:
                raise
            return await self.secondary.send(message)
        except PermanentFailure:
            # a provider's own refusal (account, template) may not be the other's: try it
            return await self.secondary.send(message)

    async def close(self) -> None:
        await self.primary.close()
        await self.secondary.close()
