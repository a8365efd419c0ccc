"""SMS: mainland mobile numbers, message length, and the backends that send (``TIDU_SMS_BACKEND``).

* ``console`` (default): writes each message to the log/stdout and keeps it in ``OUTBOX`` (as Django's
  locmem e-mail backend does), so development and tests see what would have been sent; nothing leaves the machine.
* ``aliyun``: Alibaba Cloud SMS (短信服务, Dysmsapi ``SendSms``, API version 2017-05-25), RPC-style request
  signed with HMAC-SHA1 (signature version 1.0) as Alibaba Cloud documents it. The template
  (``TIDU_SMS_ALIYUN_TEMPLATE_CODE``) is registered with the vendor and must have one variable ``${content}``;
  the sign name (签名, ``TIDU_SMS_SIGN_NAME``) must be approved by the vendor.

The transport is a callable ``(method, url, timeout) -> (status, body)``; tests pass a fake one, so no test
ever reaches the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import unicodedata
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tidu.notifications.errors import NotificationsError

logger = logging.getLogger("tidu.sms")

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
MOBILE_MESSAGE = _("手机号格式不正确：请填写 11 位中国大陆手机号码（以 13～19 开头，例如 13812345678），"
                   "不含区号或分机号。")
SINGLE_SEGMENT = 70   # characters of one SMS (Chinese text, UCS-2)
MULTI_SEGMENT = 67    # characters per segment of a long (concatenated) SMS


def clean_mobile(value: str) -> str:
    """The 11-digit mainland mobile number in ``value`` (full-width digits, spaces, hyphens and a +86 / 0086
    prefix are tolerated), or ``ValidationError`` with a Chinese message. Empty stays empty."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    text = re.sub(r"[\s\-()（）]", "", text)
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix):]
            break
    if not text:
        return ""
    if not MOBILE_RE.fullmatch(text):
        raise ValidationError(MOBILE_MESSAGE, code="mobile")
    return text


def segments(text: str) -> int:
    """How many SMS the vendor bills for ``text`` (sign name included): 70 characters fit in one; a longer
    message is split into parts of 67."""
    length = len(text)
    if length <= SINGLE_SEGMENT:
        return 1 if length else 0
    return -(-length // MULTI_SEGMENT)


def compose(title: str) -> str:
    """The SMS text: 【sign name】 + the notice's title + a pointer to the site, cut to fit one SMS."""
    sign = f"【{settings.TIDU_SMS_SIGN_NAME}】" if settings.TIDU_SMS_SIGN_NAME else ""
    tail = "，详情请登录系统查看。"
    room = SINGLE_SEGMENT - len(sign) - len(tail)
    title = " ".join((title or "").split())
    if len(title) > room:
        title = title[: max(room - 1, 0)] + "…"
    return f"{sign}{title}{tail}"


class SmsError(NotificationsError):
    """The message could not be sent (the delivery is marked failed and retried)."""


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    text: str

    @property
    def segments(self) -> int:
        return segments(self.text)


class SmsBackend:
    def send(self, message: SmsMessage) -> str:
        """Send or raise ``SmsError``; returns the vendor's id for the message (or "")."""
        raise NotImplementedError


OUTBOX: list[SmsMessage] = []


class ConsoleSmsBackend(SmsBackend):
    def send(self, message: SmsMessage) -> str:
        OUTBOX.append(message)
        logger.info("SMS to %s (%d 条): %s", message.mobile, message.segments, message.text)
        return ""


Transport = Callable[[str, str, float], tuple[int, bytes]]


def urllib_transport(method: str, url: str, timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https endpoint from settings)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def percent_encode(value: str) -> str:
    """Alibaba Cloud's RPC encoding: RFC 3986, UTF-8, only A-Z a-z 0-9 - _ . ~ left as they are."""
    return urllib.parse.quote(str(value), safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """HMAC-SHA1 signature (version 1.0) of an Alibaba Cloud RPC request, base64 (not yet URL-encoded)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(SmsBackend):
    """Alibaba Cloud SMS ``SendSms`` over HTTPS GET, signed (see ``aliyun_signature``)."""

    def __init__(self, *, access_key_id: str, access_key_secret: str, sign_name: str, template_code: str,
                 endpoint: str = "https://dysmsapi.aliyuncs.com/", region: str = "cn-hangzhou",
                 transport: Transport | None = None, timeout: float = 10.0,
                 now: Callable[[], dt.datetime] | None = None, nonce: Callable[[], str] | None = None):
        if not (access_key_id and access_key_secret and sign_name and template_code):
            raise SmsError("阿里云短信未配置完整：需要 AccessKey ID、AccessKey Secret、签名和模板编号")
        self.access_key_id, self.secret = access_key_id, access_key_secret
        self.sign_name, self.template_code = sign_name, template_code
        self.endpoint, self.region, self.timeout = endpoint, region, timeout
        self.transport = transport or urllib_transport
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.nonce = nonce or (lambda: str(uuid.uuid4()))

    def params(self, message: SmsMessage) -> dict[str, str]:
        """The request's parameters, signature excluded. The template carries the text without the sign name
        (the vendor adds 【签名】 itself)."""
        content = message.text.removeprefix(f"【{self.sign_name}】")
        return {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": message.mobile, "RegionId": self.region, "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": self.nonce(), "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"content": content}, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": self.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
        }

    def request_url(self, params: dict[str, str]) -> str:
        signature = aliyun_signature(params, self.secret)
        query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
        return f"{self.endpoint}?Signature={percent_encode(signature)}&{query}"

    def send(self, message: SmsMessage) -> str:
        url = self.request_url(self.params(message))
        try:
            status, body = self.transport("GET", url, self.timeout)
        except OSError as error:
            raise SmsError(f"无法连接短信服务：{error}") from error
        try:
            answer = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            answer = {}
        if status != 200 or answer.get("Code") != "OK":
            raise SmsError(f"短信服务拒绝（HTTP {status}）：{answer.get('Code', '')} {answer.get('Message', '')}".strip())
        return str(answer.get("BizId", ""))


def get_backend() -> SmsBackend:
    name = settings.TIDU_SMS_BACKEND
    if name == "console":
        return ConsoleSmsBackend()
    if name == "aliyun":
        return AliyunSmsBackend(access_key_id=settings.TIDU_SMS_ALIYUN_ACCESS_KEY_ID,
                                access_key_secret=settings.TIDU_SMS_ALIYUN_ACCESS_KEY_SECRET,
                                sign_name=settings.TIDU_SMS_SIGN_NAME,
                                template_code=settings.TIDU_SMS_ALIYUN_TEMPLATE_CODE,
                                endpoint=settings.TIDU_SMS_ALIYUN_ENDPOINT)
    raise SmsError(f"未知的短信后端：{name}（可用：console、aliyun）")
