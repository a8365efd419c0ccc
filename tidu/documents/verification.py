"""Verification codes (校验码) printed on every page of a submitted dossier, and checking them.

A code is 10 characters of base32 taken from an HMAC (keyed with SECRET_KEY) over the application id
and the submitted content's SHA-256: the same content always prints the same code, and nobody can
make up a valid code without the key. Each code issued is recorded so that it can be looked up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings

CODE_LENGTH = 10
_ALPHABET = re.compile(rf"^[A-Z2-7]{{{CODE_LENGTH}}}$")
COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "合作社", "分厂", "厂")


def verification_code(application_id: int, content_sha256: str) -> str:
    message = f"tidu-dossier:{application_id}:{content_sha256}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:CODE_LENGTH]


def normalise_code(text: str) -> str:
    """Upper case without spaces or dashes; 0/1/8, which base32 never uses, read as the letters O/I/B."""
    return re.sub(r"[\s\-_]", "", text or "").upper().translate(str.maketrans("018", "OIB"))


def is_well_formed(code: str) -> bool:
    return bool(_ALPHABET.match(code))


def issue_code(application, content_sha256: str) -> str:
    """The code for this application's content, recorded for the verify page."""
    from tidu.documents.models import VerificationCode

    code = verification_code(application.pk, content_sha256)
    VerificationCode.objects.get_or_create(code=code, defaults={"application": application,
                                                                "content_sha256": content_sha256})
    return code


def issue_document_code(application, content_sha256: str, title: str, *, key: str = "", call=None) -> str:
    """The code printed on a review sheet about ``application`` (its content's digest), recorded with its title.
    A sheet about no single application (a review session's 签到表) passes ``key`` (e.g. "session-3") and its call."""
    from tidu.documents.models import VerificationCode

    code = verification_code(application.pk if application is not None else key, content_sha256)
    VerificationCode.objects.get_or_create(code=code, defaults={"application": application, "call": call,
                                                                "content_sha256": content_sha256,
                                                                "document_title": title[:50]})
    return code


def mask_enterprise_name(name: str) -> str:
    """某市华楚精密机械有限公司 → 某市华楚****有限公司: enough to recognise, not enough to copy."""
    name = name or ""
    suffix = next((s for s in COMPANY_SUFFIXES if name.endswith(s) and len(name) > len(s)), "")
    core = name[: len(name) - len(suffix)] if suffix else name
    keep = min(5, max(1, len(core) - 2))
    if keep >= len(core):
        keep = max(0, len(core) - 1)
    return core[:keep] + "****" + suffix


@dataclass(frozen=True)
class VerifyResult:
    receipt_number: str
    submitted_at: object
    enterprise_masked: str
    is_current: bool
    current_receipt_number: str
    document_title: str = ""  # a review sheet's title; empty for the dossier
    call_title: str = ""  # a sheet about no single application: its call


def verify(code: str) -> VerifyResult | None:
    """What a printed code proves: which submitted version it belongs to, and whether that is still current."""
    from tidu.documents.models import VerificationCode

    code = normalise_code(code)
    if not is_well_formed(code):
        return None
    record = VerificationCode.objects.select_related("application__enterprise", "call").filter(code=code).first()
    if record is None:
        return None
    application = record.application
    if application is None:  # a sheet about no single application (a review session's 签到表)
        return VerifyResult(receipt_number="", submitted_at=record.created_at, enterprise_masked="",
                            is_current=True, current_receipt_number="", document_title=record.document_title,
                            call_title=record.call.title if record.call else "")
    if record.document_title:  # a review sheet: what it is, about whom, when it was printed
        return VerifyResult(receipt_number="", submitted_at=record.created_at,
                            enterprise_masked=mask_enterprise_name(application.enterprise.name), is_current=True,
                            current_receipt_number="", document_title=record.document_title)
    submissions = application.submissions.order_by("-submitted_at", "-pk")
    version = submissions.filter(content_sha256=record.content_sha256).first()
    if version is None:
        return None
    latest = submissions.first()
    return VerifyResult(receipt_number=version.number, submitted_at=version.submitted_at,
                        enterprise_masked=mask_enterprise_name(application.enterprise.name),
                        is_current=latest is not None and latest.content_sha256 == record.content_sha256,
                        current_receipt_number=latest.number if latest else "")
