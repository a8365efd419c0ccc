"""Enterprise rules: registration, the township's confirmation or rejection, and contact updates.

Plain functions called by the views (and by the demo loader). Rule violations raise Django's
ValidationError (field-keyed where a form field is to blame) or PermissionDenied, in Chinese.
"""

import logging

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tidu.accounts import permissions
from tidu.accounts.models import Organisation, User
from tidu.enterprises import validators
from tidu.enterprises.models import Enterprise

logger = logging.getLogger(__name__)

DUPLICATE_CREDIT_CODE = _("该统一社会信用代码已登记")
DUPLICATE_USERNAME = _("该用户名已被使用，请换一个")
DUPLICATE_NAME_IN_UNIT = _("该乡镇（办事处、农场、开发区）下已有同名企业登记")


def enterprise_register(*, name: str, credit_code: str, legal_status: str, industry_code: str,
                        unit: Organisation, contact_name: str, contact_phone: str, username: str,
                        password: str, contact_email: str = "", registered_region: str = "湖北省天门市",
                        address: str = "", legal_representative: str = "") -> tuple[Enterprise, User]:
    """Create the enterprise's login, its organisation node under ``unit`` and the Enterprise (待乡镇确认)."""
    name = name.strip()
    errors: dict[str, list] = {}

    def check(field, clean, value):
        try:
            return clean(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.error_list)
            return value

    credit_code = check("credit_code", validators.clean_credit_code, credit_code)
    industry_code = check("industry_code", validators.clean_industry_code, industry_code)
    contact_phone = check("contact_phone", validators.clean_phone, contact_phone)
    if not name:
        errors.setdefault("name", []).append(ValidationError(_("请填写企业名称")))
    if legal_status not in Enterprise.LegalStatus.values:
        errors.setdefault("legal_status", []).append(ValidationError(_("请选择法人类型")))
    if unit is None or not unit.is_unit or not unit.is_active:
        errors.setdefault("unit", []).append(ValidationError(_("请选择所属乡镇、办事处、农场或开发区")))
    elif Organisation.objects.filter(parent=unit, name=name).exists():
        errors.setdefault("name", []).append(ValidationError(DUPLICATE_NAME_IN_UNIT))
    if Enterprise.objects.filter(credit_code=credit_code).exists():
        errors.setdefault("credit_code", []).append(ValidationError(DUPLICATE_CREDIT_CODE))
    if User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(ValidationError(DUPLICATE_USERNAME))
    user = User(username=username, email=contact_email, first_name=contact_name, phone=contact_phone,
                role=User.Role.ENTERPRISE)
    check("password", lambda value: validate_password(value, user), password)
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(name=name, kind=Organisation.Kind.ENTERPRISE, parent=unit)
            user.organisation = organisation
            user.set_password(password)
            user.save()
            enterprise = Enterprise.objects.create(
                organisation=organisation, name=name, credit_code=credit_code, legal_status=legal_status,
                industry_code=industry_code, registered_region=registered_region.strip() or "湖北省天门市",
                address=address.strip(), legal_representative=legal_representative.strip(),
                contact_name=contact_name.strip(), contact_phone=contact_phone, contact_email=contact_email,
                status=Enterprise.Status.PENDING)
    except IntegrityError as error:  # a simultaneous registration won the race for the code, name or username
        if Enterprise.objects.filter(credit_code=credit_code).exists():
            raise ValidationError({"credit_code": DUPLICATE_CREDIT_CODE}) from error
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": DUPLICATE_USERNAME}) from error
        raise ValidationError({"name": DUPLICATE_NAME_IN_UNIT}) from error
    return enterprise, user


# Which statuses each township decision may start from.
CONFIRMABLE = (Enterprise.Status.PENDING, Enterprise.Status.REJECTED)
REJECTABLE = (Enterprise.Status.PENDING,)


def is_township_of(enterprise: Enterprise, user) -> bool:
    """Is the user an officer of the township unit the enterprise belongs to?"""
    unit = permissions.unit_of(user) if permissions.is_township_user(user) else None
    return unit is not None and unit.pk == enterprise.organisation.parent_id


def can_confirm(enterprise: Enterprise, user) -> bool:
    return is_township_of(enterprise, user) and enterprise.status in CONFIRMABLE


def can_reject(enterprise: Enterprise, user) -> bool:
    return is_township_of(enterprise, user) and enterprise.status in REJECTABLE


def _require_township_of(enterprise: Enterprise, user) -> None:
    if not is_township_of(enterprise, user):
        raise PermissionDenied("只有该企业所属乡镇（办事处、农场、开发区）的经办人可以确认或退回企业登记。")


def enterprise_confirm(enterprise: Enterprise, by_user) -> Enterprise:
    """The township confirms the enterprise belongs to it (待乡镇确认 or 未通过确认 → 已确认)."""
    _require_township_of(enterprise, by_user)
    with transaction.atomic():
        locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if locked.status not in CONFIRMABLE:
            raise ValidationError("该企业已经确认，无需重复确认。")
        locked.status = Enterprise.Status.CONFIRMED
        locked.status_note = ""
        locked.confirmed_by = by_user
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "status_note", "confirmed_by", "confirmed_at"])
    enterprise.refresh_from_db()
    _notify(enterprise, by_user)
    return enterprise


def enterprise_reject(enterprise: Enterprise, by_user, reason: str) -> Enterprise:
    """The township declines to confirm a pending registration, giving its reason (待乡镇确认 → 未通过确认)."""
    _require_township_of(enterprise, by_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写不予确认的理由，企业会收到这条意见。"})
    if len(reason) > Enterprise._meta.get_field("status_note").max_length:
        raise ValidationError({"reason": "理由不超过500字。"})
    with transaction.atomic():
        locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if locked.status not in REJECTABLE:
            raise ValidationError(f"只有“{Enterprise.Status.PENDING.label}”的企业可以退回，"
                                  f"该企业当前为“{locked.get_status_display()}”。")
        locked.status = Enterprise.Status.REJECTED
        locked.status_note = reason
        locked.confirmed_by = by_user
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "status_note", "confirmed_by", "confirmed_at"])
    enterprise.refresh_from_db()
    _notify(enterprise, by_user)
    return enterprise


def enterprise_update_contacts(enterprise: Enterprise, by_user, *, contact_name: str, contact_phone: str,
                               contact_email: str) -> Enterprise:
    """The enterprise's own user updates its contact person. The login's e-mail follows the contact e-mail,
    so password-reset mail and notices go to the same address."""
    if not permissions.is_enterprise_user(by_user) or by_user.organisation_id != enterprise.organisation_id:
        raise PermissionDenied("只有企业本身的账号可以修改联系人信息。")
    contact_name = (contact_name or "").strip()
    if not contact_name:
        raise ValidationError({"contact_name": "请填写联系人"})
    try:
        contact_phone = validators.clean_phone(contact_phone)
    except ValidationError as error:
        raise ValidationError({"contact_phone": error.error_list}) from error
    with transaction.atomic():
        enterprise.contact_name = contact_name
        enterprise.contact_phone = contact_phone
        enterprise.contact_email = contact_email
        enterprise.save(update_fields=["contact_name", "contact_phone", "contact_email"])
        if contact_email and by_user.email != contact_email:
            by_user.email = contact_email
            by_user.save(update_fields=["email"])
    return enterprise


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
