"""Enterprise rules: registration, the township's confirmation or rejection, and contact updates.

Plain functions called by the views (and by the demo loader), each a thin wrapper over one operation of
``tidu.enterprises.operations`` (checked, locked, one audit row). Bad field values raise Django's
ValidationError keyed by the field; a refused change of state raises EnterpriseError; a user who may
never do it gets PermissionDenied. Messages are Chinese.
"""

import logging

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError
from django.template.loader import render_to_string

from tidu.accounts.models import Organisation, User
from tidu.core.operations import allowed
from tidu.enterprises import operations
from tidu.enterprises.errors import EnterpriseError
from tidu.enterprises.models import Enterprise
from tidu.enterprises.operations import (
    DUPLICATE_CREDIT_CODE,
    DUPLICATE_NAME_IN_UNIT,
    DUPLICATE_USERNAME,
    is_township_of,
)

logger = logging.getLogger(__name__)

__all__ = ["DUPLICATE_CREDIT_CODE", "DUPLICATE_NAME_IN_UNIT", "DUPLICATE_USERNAME", "EnterpriseError", "can_confirm",
           "can_reject", "enterprise_confirm", "enterprise_register", "enterprise_reject",
           "enterprise_update_contacts", "is_township_of"]


def enterprise_register(*, name: str, credit_code: str, legal_status: str, industry_code: str,
                        unit: Organisation, contact_name: str, contact_phone: str, username: str,
                        password: str, contact_email: str = "", registered_region: str = "",
                        address: str = "", legal_representative: str = "") -> tuple[Enterprise, User]:
    """Create the enterprise's login, its organisation node under ``unit`` and the Enterprise (待乡镇确认).
    Without ``registered_region`` the region of the call registration is open for is taken (its policy pack)."""
    operation = operations.EnterpriseRegister(
        Enterprise(), name=name, credit_code=credit_code, legal_status=legal_status, industry_code=industry_code,
        unit=unit, contact_name=contact_name, contact_phone=contact_phone, username=username, password=password,
        contact_email=contact_email, registered_region=registered_region, address=address,
        legal_representative=legal_representative)
    try:
        return operation.execute(None)
    except IntegrityError as error:  # a simultaneous registration won the race for the code, name or username
        clean = getattr(operation, "clean", {})
        if Enterprise.objects.filter(credit_code=clean.get("credit_code", credit_code)).exists():
            raise ValidationError({"credit_code": DUPLICATE_CREDIT_CODE}) from error
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": DUPLICATE_USERNAME}) from error
        raise ValidationError({"name": DUPLICATE_NAME_IN_UNIT}) from error


def can_confirm(enterprise: Enterprise, user) -> bool:
    return allowed("enterprise.confirm", enterprise, user)


def can_reject(enterprise: Enterprise, user) -> bool:
    return allowed("enterprise.reject", enterprise, user)


def enterprise_confirm(enterprise: Enterprise, by_user) -> Enterprise:
    """The township confirms the enterprise belongs to it (待乡镇确认 or 未通过确认 → 已确认)."""
    operations.EnterpriseConfirm(enterprise).execute(by_user)
    enterprise.refresh_from_db()
    _notify(enterprise, by_user)
    return enterprise


def enterprise_reject(enterprise: Enterprise, by_user, reason: str) -> Enterprise:
    """The township declines to confirm a pending registration, giving its reason (待乡镇确认 → 未通过确认)."""
    operations.EnterpriseReject(enterprise, reason=reason).execute(by_user)
    enterprise.refresh_from_db()
    _notify(enterprise, by_user)
    return enterprise


def enterprise_update_contacts(enterprise: Enterprise, by_user, *, contact_name: str, contact_phone: str,
                               contact_email: str) -> Enterprise:
    """The enterprise's own user updates its contact person (the login's e-mail follows the contact e-mail)."""
    operations.EnterpriseUpdateContact(enterprise, contact_name=contact_name, contact_phone=contact_phone,
                                       contact_email=contact_email).execute(by_user)
    enterprise.refresh_from_db()
    return enterprise


def enterprise_request_change(enterprise: Enterprise, by_user, *, values: dict, reason: str):
    """The enterprise asks its township to change its name, credit code, region or industry."""
    return operations.EnterpriseRequestChange(enterprise, values=values, reason=reason).execute(by_user)


def enterprise_approve_change(change, by_user) -> Enterprise:
    """The township approves a pending change: the enterprise record (and every later 申报书) carries it."""
    return operations.EnterpriseApproveChange(change.enterprise, change=change).execute(by_user)


def enterprise_reject_change(change, by_user, reason: str) -> Enterprise:
    return operations.EnterpriseRejectChange(change.enterprise, change=change, reason=reason).execute(by_user)


def _notify(enterprise: Enterprise, by_user) -> None:
    """E-mail the enterprise contact about the township's decision. A mail failure is logged, not raised:
    the decision stands and is shown on the enterprise's page."""
    recipients = [enterprise.contact_email] if enterprise.contact_email else [
        user.email for user in enterprise.organisation.users.filter(is_active=True) if user.email]
    if not recipients:
        logger.warning("enterprise %s has no e-mail address; decision not mailed", enterprise.pk)
        return
    context = {"enterprise": enterprise, "unit": enterprise.unit, "by_user": by_user}
    subject = render_to_string("enterprises/email/decision_subject.txt", context).strip()
    body = render_to_string("enterprises/email/decision_body.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # noqa: BLE001 - any mail transport error
        logger.exception("could not mail the decision on enterprise %s", enterprise.pk)
