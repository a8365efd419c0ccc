"""Every change of state of an enterprise: registration, the township's confirmation or rejection, contact
changes. One operation per row of ``lifecycle.TRANSITIONS``, each writing exactly one audit row; the
functions of ``services`` are thin wrappers keeping their signatures."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from tidu.accounts import permissions
from tidu.accounts.models import Organisation, User
from tidu.accounts.operations import PUBLIC_ACTOR, acting
from tidu.core.operations import (
    ALLOWED,
    AuditRecord,
    Check,
    TableOperation,
    operation_class,
    refused,
)
from tidu.enterprises import call_scope, validators
from tidu.enterprises.errors import EnterpriseError
from tidu.enterprises.events import EnterpriseConfirmationDecided, EnterpriseRegistered
from tidu.enterprises.lifecycle import NEW, transition
from tidu.enterprises.models import Delegation, Enterprise, EnterpriseImport, RegistrationChange

DUPLICATE_CREDIT_CODE = _("该统一社会信用代码已登记")
DUPLICATE_USERNAME = _("该用户名已被使用，请换一个")
DUPLICATE_NAME_IN_UNIT = _("该乡镇（办事处、农场、开发区）下已有同名企业登记")



def _call_region() -> str:
    """The region of the call registration is open for (its policy pack), when none was given."""
    scope = call_scope.registration_scope()
    return scope.region_name if scope is not None else ""

class EnterpriseOperation(TableOperation):
    error_class = EnterpriseError
    object_type = "enterprise"
    model = Enterprise

    @property
    def transition(self):
        return transition(self.name)

    def state_refusal(self, obj) -> str:
        return gettext("该企业当前为“%(get_status_display)s”，不能“%(label)s”。") % {
                "get_status_display": obj.get_status_display(), "label": gettext(self.transition.label)}


def is_township_of(enterprise: Enterprise, user) -> bool:
    """Is the user an officer of the township unit the enterprise belongs to?"""
    unit = permissions.unit_of(user) if permissions.is_township_user(user) else None
    return unit is not None and unit.pk == enterprise.organisation.parent_id


@operation_class
class EnterpriseRegister(EnterpriseOperation):
    """A visitor registers an enterprise: its login, its organisation node under ``unit`` and the Enterprise
    (待乡镇确认). The object is the unsaved ``Enterprise()``; the parameters are the registration form's."""

    name = "enterprise.register"
    label = gettext_noop("企业登记")

    def check(self, user) -> Check:
        return super().check(acting(user, PUBLIC_ACTOR))

    def execute(self, user=None):
        return super().execute(acting(user, PUBLIC_ACTOR))

    def lock(self):
        unit = self.params.get("unit")
        if isinstance(unit, Organisation):  # registrations under one unit queue here (same-name check)
            Organisation.objects.select_for_update().filter(pk=unit.pk).first()
        return self.obj

    def state_of(self, obj) -> str:
        return obj.status if obj.pk is not None else NEW

    def validate(self, user, obj) -> None:
        p = self.params
        errors: dict[str, list] = {}

        def check(field, clean, value):
            try:
                return clean(value)
            except ValidationError as error:
                errors.setdefault(field, []).extend(error.error_list)
                return value

        name = (p.get("name") or "").strip()
        credit_code = check("credit_code", validators.clean_credit_code, p.get("credit_code", ""))
        industry_code = check("industry_code", validators.clean_industry_code, p.get("industry_code", ""))
        contact_phone = check("contact_phone", validators.clean_phone, p.get("contact_phone", ""))
        unit, username = p.get("unit"), p.get("username", "")
        if not name:
            errors.setdefault("name", []).append(ValidationError(_("请填写企业名称")))
        if p.get("legal_status") not in Enterprise.LegalStatus.values:
            errors.setdefault("legal_status", []).append(ValidationError(_("请选择法人类型")))
        if unit is None or not unit.is_unit or not unit.is_active:
            errors.setdefault("unit", []).append(ValidationError(_("请选择所属乡镇、办事处、农场或开发区")))
        elif Organisation.objects.filter(parent=unit, name=name).exists():
            errors.setdefault("name", []).append(ValidationError(DUPLICATE_NAME_IN_UNIT))
        if Enterprise.objects.filter(credit_code=credit_code).exists():
            errors.setdefault("credit_code", []).append(ValidationError(DUPLICATE_CREDIT_CODE))
        if User.objects.filter(username__iexact=username).exists():
            errors.setdefault("username", []).append(ValidationError(DUPLICATE_USERNAME))
        contact_email = p.get("contact_email", "")
        account = User(username=username, email=contact_email, first_name=p.get("contact_name", ""),
                       phone=contact_phone, role=User.Role.ENTERPRISE)
        check("password", lambda value: validate_password(value, account), p.get("password", ""))
        if errors:
            raise ValidationError(errors)
        self.account = account
        self.clean = {"name": name, "credit_code": credit_code, "industry_code": industry_code,
                      "contact_phone": contact_phone}

    def perform(self, user, obj) -> tuple[Enterprise, User]:
        p, clean = self.params, self.clean
        organisation = Organisation.objects.create(name=clean["name"], kind=Organisation.Kind.ENTERPRISE,
                                                   parent=p["unit"])
        account = self.account
        account.organisation = organisation
        account.set_password(p["password"])
        account.save()
        obj.organisation = organisation
        obj.name, obj.credit_code, obj.industry_code = clean["name"], clean["credit_code"], clean["industry_code"]
        obj.legal_status = p["legal_status"]
        obj.registered_region = (p.get("registered_region") or "").strip() or _call_region()
        obj.address = (p.get("address") or "").strip()
        obj.legal_representative = (p.get("legal_representative") or "").strip()
        obj.contact_name = (p.get("contact_name") or "").strip()
        obj.contact_phone = clean["contact_phone"]
        obj.contact_email = p.get("contact_email", "")
        obj.status = Enterprise.Status.PENDING
        obj.save()
        return obj, account

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"name": obj.name, "credit_code": obj.credit_code, "unit_id": obj.organisation.parent_id,
                         "user_id": result[1].pk, "username": result[1].username}
        return record

    def events(self, user, obj, result, entry):
        # The unit's officers hear of it (notifications subscribes): the enterprise cannot submit until confirmed.
        return [EnterpriseRegistered(enterprise_id=obj.pk, unit_id=obj.organisation.parent_id, audit_id=entry.pk)]


class TownshipDecision(EnterpriseOperation):
    def in_scope(self, user, obj) -> bool:
        return is_township_of(obj, user)

    def lock(self):
        return Enterprise.objects.select_for_update().select_related("organisation").get(pk=self.obj.pk)

    def decide(self, user, obj, status: str, note: str) -> Enterprise:
        obj.status, obj.status_note = status, note
        obj.confirmed_by, obj.confirmed_at = user, timezone.now()
        obj.save(update_fields=["status", "status_note", "confirmed_by", "confirmed_at"])
        return obj

    def events(self, user, obj, result, entry):
        return [EnterpriseConfirmationDecided(enterprise_id=obj.pk, action=self.name, from_status=entry.from_status,
                                              to_status=entry.to_status, actor_id=entry.actor_id, audit_id=entry.pk,
                                              reason=entry.reason)]


@operation_class
class EnterpriseConfirm(TownshipDecision):
    """The township confirms the enterprise belongs to it (待乡镇确认 or 未通过确认 → 已确认)."""

    name = "enterprise.confirm"
    label = gettext_noop("确认属于本单位")

    def state_refusal(self, obj) -> str:
        return gettext("该企业已经确认，无需重复确认。")

    def perform(self, user, obj) -> Enterprise:
        return self.decide(user, obj, Enterprise.Status.CONFIRMED, "")


@operation_class
class EnterpriseReject(TownshipDecision):
    """The township declines to confirm a pending registration, giving its reason (待乡镇确认 → 未通过确认)."""

    name = "enterprise.reject"
    label = gettext_noop("退回（不予确认）")

    def state_refusal(self, obj) -> str:
        return (gettext("只有“%(label)s”的企业可以退回，该企业当前为“%(get_status_display)s”。") % {
                "label": gettext(Enterprise.Status.PENDING.label),
                "get_status_display": obj.get_status_display()})

    def validate(self, user, obj) -> None:
        reason = str(self.params.get("reason") or "").strip()
        if not reason:
            raise ValidationError({"reason": "请填写不予确认的理由，企业会收到这条意见。"})
        if len(reason) > Enterprise._meta.get_field("status_note").max_length:
            raise ValidationError({"reason": "理由不超过500字。"})
        self.params["reason"] = reason

    def perform(self, user, obj) -> Enterprise:
        return self.decide(user, obj, Enterprise.Status.REJECTED, self.params["reason"])


@operation_class
class EnterpriseUpdateContact(EnterpriseOperation):
    """The enterprise's own user updates its contact person. The login's e-mail follows the contact e-mail,
    so password-reset mail and notices go to the same address (recorded in the same audit row)."""

    name = "enterprise.update_contact"
    label = gettext_noop("修改联系人")

    def in_scope(self, user, obj) -> bool:
        return user.organisation_id is not None and user.organisation_id == obj.organisation_id

    def validate(self, user, obj) -> None:
        contact_name = str(self.params.get("contact_name") or "").strip()
        if not contact_name:
            raise ValidationError({"contact_name": "请填写联系人"})
        try:
            contact_phone = validators.clean_phone(self.params.get("contact_phone") or "")
        except ValidationError as error:
            raise ValidationError({"contact_phone": error.error_list}) from error
        self.values = {"contact_name": contact_name, "contact_phone": contact_phone,
                       "contact_email": self.params.get("contact_email") or ""}

    def perform(self, user, obj) -> Enterprise:
        self.changed = {field: [getattr(obj, field), value] for field, value in self.values.items()
                        if getattr(obj, field) != value}
        for field, value in self.values.items():
            setattr(obj, field, value)
        obj.save(update_fields=list(self.values))
        email = self.values["contact_email"]
        if email and user.email != email:
            self.changed["user_email"] = [user.email, email]
            User.objects.filter(pk=user.pk).update(email=email)
            user.email = email
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"changed": self.changed}
        return record


CORRECTABLE_FIELDS = ("name", "credit_code", "legal_status", "industry_code", "registered_region", "address",
                      "legal_representative", "contact_name", "contact_phone", "contact_email")


@operation_class
class EnterpriseCorrect(EnterpriseOperation):
    """系统管理员 corrects registration facts (params: any of ``CORRECTABLE_FIELDS``), e.g. in /admin/."""

    name = "enterprise.correct"
    label = gettext_noop("更正登记信息")

    def validate(self, user, obj) -> None:
        self.changed = {field: [getattr(obj, field), self.params[field]] for field in CORRECTABLE_FIELDS
                        if field in self.params and getattr(obj, field) != self.params[field]}
        if not self.changed:
            raise EnterpriseError(gettext("登记信息没有变化"))

    def perform(self, user, obj) -> Enterprise:
        for field, (_before, after) in self.changed.items():
            setattr(obj, field, after)
        obj.save(update_fields=list(self.changed))
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"changed": self.changed}
        return record


# --- registration changes: the enterprise asks, its township decides ----------------------------------------

def pending_change(enterprise: Enterprise) -> RegistrationChange | None:
    return enterprise.registration_changes.filter(status=RegistrationChange.Status.PENDING).first()


@operation_class
class EnterpriseRequestChange(EnterpriseOperation):
    """The enterprise asks to change its name, credit code, region or industry (params: ``values``, ``reason``).
    Nothing on the enterprise changes until the township approves; one request may wait at a time."""

    name = "enterprise.request_change"
    label = gettext_noop("申请变更登记信息")
    text_labels = {"values": "变更后的登记信息", "reason": "变更理由"}

    def in_scope(self, user, obj) -> bool:
        return user.organisation_id is not None and user.organisation_id == obj.organisation_id

    def rules_check(self, user, obj) -> Check:
        if pending_change(obj) is not None:
            return refused(gettext("已有一项登记信息变更等待乡镇审核，审核后才能再次申请。"))
        return ALLOWED

    def validate(self, user, obj) -> None:
        values = self.params.get("values") or {}
        errors: dict[str, list] = {}
        clean: dict[str, str] = {}
        for field, cleaner in (("name", None), ("registered_region", None),
                               ("credit_code", validators.clean_credit_code),
                               ("industry_code", validators.clean_industry_code)):
            value = str(values.get(field, getattr(obj, field)) or "").strip()
            if not value:
                errors[field] = ["请填写此项"]
                continue
            try:
                clean[field] = cleaner(value) if cleaner else value
            except ValidationError as error:
                errors[field] = error.messages
        code = clean.get("credit_code")
        if code and code != obj.credit_code and Enterprise.objects.filter(credit_code=code).exclude(pk=obj.pk).exists():
            errors["credit_code"] = [str(DUPLICATE_CREDIT_CODE)]
        if not str(self.params.get("reason") or "").strip():
            errors["reason"] = ["请说明变更的理由（如工商变更登记的日期和文号）"]
        if errors:
            raise ValidationError(errors)
        self.changed = {field: [getattr(obj, field), value] for field, value in clean.items()
                        if getattr(obj, field) != value}
        if not self.changed:
            raise EnterpriseError(gettext("登记信息没有变化"))

    def perform(self, user, obj) -> RegistrationChange:
        return RegistrationChange.objects.create(enterprise=obj, changes=self.changed, requested_by=user,
                                                 reason=str(self.params["reason"]).strip())

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"change_id": result.pk, "changed": self.changed}
        return record


class _ChangeDecision(EnterpriseOperation):
    """The township of the enterprise's unit decides a pending change (param: ``change``)."""

    def in_scope(self, user, obj) -> bool:
        return is_township_of(obj, user)

    def rules_check(self, user, obj) -> Check:
        if pending_change(obj) is None:
            return refused(gettext("没有等待审核的登记信息变更。"))
        return ALLOWED

    def validate(self, user, obj) -> None:
        change = self.params.get("change")
        if change is None or change.enterprise_id != obj.pk:
            raise EnterpriseError(gettext("没有这项登记信息变更。"))
        self.change = RegistrationChange.objects.select_for_update().get(pk=change.pk)
        if self.change.status != RegistrationChange.Status.PENDING:
            raise EnterpriseError(gettext("这项变更已经审核过了。"))

    def decide(self, user, status: str, reason: str = "") -> None:
        self.change.status, self.change.decided_by = status, user
        self.change.decided_at, self.change.decision_reason = timezone.now(), reason
        self.change.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"change_id": self.change.pk, "changed": self.change.changes}
        return record


@operation_class
class EnterpriseApproveChange(_ChangeDecision):
    name = "enterprise.approve_change"
    label = gettext_noop("同意变更登记")

    def perform(self, user, obj) -> Enterprise:
        changes = self.change.changes
        code = changes.get("credit_code", [None, None])[1]
        if code and Enterprise.objects.filter(credit_code=code).exclude(pk=obj.pk).exists():
            raise EnterpriseError(str(DUPLICATE_CREDIT_CODE))
        for field, (_before, after) in changes.items():
            setattr(obj, field, after)
        obj.save(update_fields=list(changes))
        self.decide(user, RegistrationChange.Status.APPROVED)
        return obj


@operation_class
class EnterpriseRejectChange(_ChangeDecision):
    name = "enterprise.reject_change"
    label = gettext_noop("不同意变更登记")
    text_labels = {"reason": "不同意的理由"}

    def validate(self, user, obj) -> None:
        super().validate(user, obj)
        if not str(self.params.get("reason") or "").strip():
            raise EnterpriseError(gettext("请填写不同意的理由，企业会看到这条意见。"))

    def perform(self, user, obj) -> Enterprise:
        self.decide(user, RegistrationChange.Status.REJECTED, str(self.params["reason"]).strip())
        return obj


# --- bulk import from a registry (see tidu.enterprises.imports) -----------------------------------------------

IMPORT_MAX_BYTES = 20 * 1024 * 1024


def may_import_into(user, unit: Organisation | None) -> bool:
    """A township officer imports into their own unit; the city into any active unit."""
    if permissions.is_city_user(user):
        return unit is None or (unit.is_unit and unit.is_active)
    own = permissions.unit_of(user) if permissions.is_township_user(user) else None
    return own is not None and (unit is None or own.pk == unit.pk)


class ImportFileOperation(TableOperation):
    error_class = EnterpriseError
    object_type = "enterprise_import"
    model = EnterpriseImport

    @property
    def transition(self):
        return transition(self.name)

    def state_of(self, obj) -> str:
        return obj.status if obj.pk is not None else NEW

    def in_scope(self, user, obj) -> bool:
        if obj.pk is None:
            return may_import_into(user, None)
        if permissions.is_city_user(user):
            return True
        own = permissions.unit_of(user) if permissions.is_township_user(user) else None
        return own is not None and obj.unit_id == own.pk


@operation_class
class EnterpriseImportUpload(ImportFileOperation):
    """A township or the city uploads a registry file; a job then checks it row by row (状态: 正在校验)."""

    name = "enterprise_import.upload"
    label = gettext_noop("上传企业名单")

    def lock(self):
        return self.obj

    def validate(self, user, obj) -> None:
        content, file_name = self.params.get("content") or b"", str(self.params.get("file_name") or "")
        if not content:
            raise ValidationError({"file": _("请选择要上传的企业名单文件（.xlsx 或 .csv）")})
        if len(content) > IMPORT_MAX_BYTES:
            raise ValidationError({"file": _("文件超过20MB，请拆分后分批上传")})
        if not file_name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError({"file": _("只接受 .xlsx 或 .csv 文件，请下载模板填写后上传")})

    def perform(self, user, obj) -> EnterpriseImport:
        import hashlib

        from django.core.files.base import ContentFile

        from tidu.core.storage import written

        content, file_name = self.params["content"], self.params["file_name"]
        city = permissions.is_city_user(user)
        obj.created_by, obj.unit, obj.with_unit = user, None if city else permissions.unit_of(user), city
        obj.file_name = file_name[-200:]
        obj.sha256 = hashlib.sha256(content).hexdigest()
        obj.site_url = str(self.params.get("site_url") or "")[:200]
        obj.status = EnterpriseImport.Status.CHECKING
        obj.file.save("registry" + (".csv" if file_name.lower().endswith(".csv") else ".xlsx"),
                      ContentFile(content), save=False)
        written(obj.file.storage, obj.file.name)
        obj.save()
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"file_name": obj.file_name, "sha256": obj.sha256, "size": len(self.params["content"]),
                         "unit_id": obj.unit_id}
        return record


@operation_class
class EnterpriseImportConfirm(ImportFileOperation):
    """The uploader's unit (or the city) confirms the checked rows: a job imports them (状态: 正在导入)."""

    name = "enterprise_import.confirm"
    label = gettext_noop("确认导入")

    def rules_check(self, user, obj) -> Check:
        if not obj.valid:
            return refused(_("没有可以导入的行：请修改文件中标出的错误后重新上传"))
        return ALLOWED

    def perform(self, user, obj) -> EnterpriseImport:
        obj.status = EnterpriseImport.Status.IMPORTING
        obj.confirmed_by, obj.confirmed_at = user, timezone.now()
        if self.params.get("site_url"):
            obj.site_url = str(self.params["site_url"])[:200]
        obj.save(update_fields=["status", "confirmed_by", "confirmed_at", "site_url"])
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"file_name": obj.file_name, "sha256": obj.sha256, "valid": obj.valid,
                         "invalid": obj.invalid, "existing": obj.existing}
        return record


class ImportSkipped(EnterpriseError):
    """The row cannot be imported now (registered meanwhile, name taken): recorded as 导入时跳过, not a failure."""


@operation_class
class EnterpriseImportOne(EnterpriseOperation):
    """One row of a confirmed import becomes a confirmed enterprise under its unit, with a login the contact
    activates through the invitation (no password is set here). Same identity checks as registration."""

    name = "enterprise.import"
    label = gettext_noop("批量导入企业")

    def state_of(self, obj) -> str:
        return obj.status if obj.pk is not None else NEW

    def in_scope(self, user, obj) -> bool:
        return may_import_into(user, self.params.get("unit"))

    def lock(self):
        if not self.params.get("unit_locked"):  # the import job locks a chunk's units once, before its rows
            Organisation.objects.select_for_update().filter(pk=self.params["unit"].pk).first()
        return self.obj

    def validate(self, user, obj) -> None:
        values, unit = self.params["values"], self.params["unit"]
        if Enterprise.objects.filter(credit_code=values["credit_code"]).exists():
            raise ImportSkipped(_("该统一社会信用代码已登记（可能在校验后由他人登记），未重复导入"))
        if Organisation.objects.filter(parent=unit, name=values["name"]).exists():
            raise ImportSkipped(_("本单位下已有同名企业登记，未导入"))
        if User.objects.filter(username__iexact=values["credit_code"]).exists():
            raise ImportSkipped(_("以该统一社会信用代码为用户名的账号已存在，未导入"))

    def perform(self, user, obj) -> tuple[Enterprise, User]:
        values, unit = self.params["values"], self.params["unit"]
        organisation = Organisation.objects.create(name=values["name"], kind=Organisation.Kind.ENTERPRISE, parent=unit)
        account = User(username=values["credit_code"], email=values.get("contact_email", ""),
                       first_name=values.get("contact_name", ""), phone=values.get("contact_phone", ""),
                       role=User.Role.ENTERPRISE, organisation=organisation)
        account.set_unusable_password()  # the contact sets it from the invitation link
        account.save()
        obj.organisation = organisation
        for key in ("name", "credit_code", "industry_code", "legal_status", "address", "legal_representative",
                    "contact_name", "contact_phone", "contact_email"):
            setattr(obj, key, values.get(key, ""))
        obj.registered_region = values.get("registered_region") or self.params.get("default_region", "")
        obj.status = Enterprise.Status.CONFIRMED
        obj.status_note = str(_("批量导入"))
        obj.confirmed_by, obj.confirmed_at = user, timezone.now()
        obj.save()
        return obj, account

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"name": obj.name, "credit_code": obj.credit_code, "unit_id": self.params["unit"].pk,
                         "user_id": result[1].pk, "import_id": self.params.get("import_id"),
                         "row": self.params.get("row")}
        return record


# --- trusted intermediary: an officer of the enterprise's unit prepares its applications ---------------------

def delegation_candidates(enterprise: Enterprise):
    """Active officers of the enterprise's own unit: the only people it may let prepare its applications."""
    return User.objects.filter(role=User.Role.TOWNSHIP, is_active=True,
                               organisation_id=enterprise.organisation.parent_id).order_by("first_name", "username")


class _DelegationOperation(EnterpriseOperation):
    """Granting or revoking a delegation: the enterprise's own user acts; the audit row names the delegation."""

    def in_scope(self, user, obj) -> bool:
        return user.organisation_id is not None and user.organisation_id == obj.organisation_id

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"delegation_id": result.pk, "grantee_id": result.grantee_id,
                         "grantee": result.grantee.get_username()}
        return record


@operation_class
class EnterpriseGrantDelegation(_DelegationOperation):
    """The enterprise lets one officer of its unit prepare its applications (parameter ``grantee``)."""

    name = "enterprise.grant_delegation"
    label = gettext_noop("委托代为填报")

    def validate(self, user, obj) -> None:
        grantee = self.params.get("grantee")
        if grantee is None or not delegation_candidates(obj).filter(pk=grantee.pk).exists():
            raise EnterpriseError(_("只能委托本企业所属乡镇（办事处、农场、开发区）在岗的经办人代为填报"))
        if Delegation.objects.filter(enterprise=obj, grantee=grantee, revoked_at=None).exists():
            raise EnterpriseError(_("已委托该经办人代为填报，无需重复委托"))

    def perform(self, user, obj) -> Delegation:
        return Delegation.objects.create(enterprise=obj, grantee=self.params["grantee"], granted_by=user)



@operation_class
class EnterpriseRevokeDelegation(_DelegationOperation):
    """The enterprise takes a delegation back (parameter ``delegation``): the officer can no longer edit."""

    name = "enterprise.revoke_delegation"
    label = gettext_noop("撤销委托")

    def validate(self, user, obj) -> None:
        delegation = self.params.get("delegation")
        if delegation is None or delegation.enterprise_id != obj.pk:
            raise EnterpriseError(_("没有这项委托"))
        if not Delegation.objects.filter(pk=delegation.pk, revoked_at=None).exists():
            raise EnterpriseError(_("该委托已经撤销"))

    def perform(self, user, obj) -> Delegation:
        delegation = self.params["delegation"]
        delegation.revoked_by, delegation.revoked_at = user, timezone.now()
        delegation.save(update_fields=["revoked_by", "revoked_at"])
        return delegation

