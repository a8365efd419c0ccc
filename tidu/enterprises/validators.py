"""Field checks shared by the enterprise forms and services; each raises Django's ValidationError in Chinese."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tidu.enterprises import credit_code, industries

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?[2-9]\d{6,7}(?:-\d{1,6})?")  # area code, local number, extension
_SERVICE = re.compile(r"[48]00-?\d{3}-?\d{4}")
PHONE_FORMAT_MESSAGE = _("联系电话格式不正确：请填写11位手机号（如 13807281234），"
                         "或带区号的固定电话（如 0728-5221234，分机可写作 0728-5221234-801）")


def clean_credit_code(value: str) -> str:
    try:
        return credit_code.validate(value)
    except credit_code.CreditCodeError as error:
        raise ValidationError(error.message, code=f"credit_code_{error.code}") from error


def clean_industry_code(value: str) -> str:
    try:
        return industries.validate(value)
    except industries.IndustryCodeError as error:
        raise ValidationError(error.message, code="industry_code") from error


def clean_phone(value: str) -> str:
    """Accept, loosely, a mainland mobile number (optionally +86) or a landline with its area code.

    Spaces and brackets are dropped; a mobile number is returned as 11 digits, a landline as typed
    (e.g. '0728-5221234', '07285221234', '0728-5221234-801'; '转' and 'ext' become '-').
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        raise ValidationError(_("请填写联系电话"), code="required")
    body = re.sub(r"^(?:\+|00)86[\s-]?", "", text)
    body = re.sub(r"\s*(?:转|分机|ext\.?)\s*", "-", body, flags=re.IGNORECASE)
    body = re.sub(r"[\s()（）]", "", body)
    compact = body.replace("-", "")
    if _MOBILE.fullmatch(compact):
        return compact
    if _LANDLINE.fullmatch(body) or _SERVICE.fullmatch(body):
        return body
    raise ValidationError(PHONE_FORMAT_MESSAGE, code="phone")
