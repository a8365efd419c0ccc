"""Every change of a user account or an organisation: role and organisation, activation, contact details.

One operation per row of ``lifecycle.TRANSITIONS``, each writing exactly one audit row. The Django admin
(``admin.py``) saves users and organisations through these, so a role given in /admin/ is audited too.

Also here, because every domain needs it and accounts is the one app they all build on: the pseudo-actors
for changes made without an account (a visitor on a public page, a scheduled job).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from django.apps import apps as django_apps
from django.utils.translation import gettext, gettext_noop

from tidu.accounts import permissions
from tidu.accounts.errors import AccountsError
from tidu.accounts.lifecycle import NEW, PUBLIC, SYSTEM, ActiveState, transition
from tidu.accounts.models import Organisation, User
from tidu.core.operations import (
    ALLOWED,
    AuditRecord,
    Check,
    TableOperation,
    operation_class,
    refused,
)

# --- actors without an account ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PseudoActor:
    """Who acts without an account: ``role_of`` reads its ``role``; ``write_audit`` stores no actor (no pk).

    ``is_authenticated`` is True only so that ``tidu.core.operations.role_of`` returns ``role``; the object
    never leaves an operation (it is not a user and is never logged in).
    """

    role: str
    pk: ClassVar[None] = None
    is_authenticated: ClassVar[bool] = True
    is_superuser: ClassVar[bool] = False


PUBLIC_ACTOR = PseudoActor(PUBLIC)
SYSTEM_ACTOR = PseudoActor(SYSTEM)


def acting(user, pseudo: PseudoActor):
    """The user, or ``pseudo`` for an anonymous visitor (or no user at all: a job)."""
    return user if user is not None and getattr(user, "is_authenticated", False) else pseudo


# --- users and organisations -------------------------------------------------------------------------

ACCESS_FIELDS = ("role", "organisation_id", "is_superuser", "is_staff")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")
ORGANISATION_FIELDS = ("name", "kind", "parent_id", "is_active")


def _active(obj) -> str:
    return ActiveState.ACTIVE if obj.is_active else ActiveState.INACTIVE


class AccountOperation(TableOperation):
    error_class = AccountsError
    object_type = "user"
    model = User

    @property
    def transition(self):
        return transition(self.name)

    def state_refusal(self, obj) -> str:
        return gettext("当前状态不能“%(label)s”") % {"label": gettext(self.transition.label)}

    def changes(self, obj, fields) -> dict:
        """{field: [before, after]} for the parameters that differ from the row."""
        return {field: [getattr(obj, field), self.params[field]] for field in fields
                if field in self.params and getattr(obj, field) != self.params[field]}

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = getattr(self, "detail", {})
        return record


@operation_class
class UserCreate(AccountOperation):
    """A new account (the object is the unsaved user, e.g. from the admin's add form)."""

    name = "user.create"
    label = gettext_noop("新建账号")

    def lock(self):
        return self.obj

    def state_of(self, obj) -> str:
        return obj.role if obj.pk is not None else NEW

    def perform(self, user, obj) -> User:
        obj.save()
        self.detail = {"username": obj.username, "organisation_id": obj.organisation_id,
                       "is_superuser": obj.is_superuser, "is_staff": obj.is_staff}
        return obj


@operation_class
class UserChangeRole(AccountOperation):
    """Change what an account may see and do: role, organisation, superuser and staff flags (params: any of
    ``role``, ``organisation_id``, ``is_superuser``, ``is_staff``)."""

    name = "user.change_role"
    label = gettext_noop("变更角色或所属组织")

    def state_of(self, obj) -> str:
        return obj.role

    def validate(self, user, obj) -> None:
        role = self.params.get("role", obj.role)
        if role not in User.Role.values:
            raise AccountsError(gettext("请选择有效的角色"))
        if "organisation_id" in self.params and self.params["organisation_id"] is not None \
                and not Organisation.objects.filter(pk=self.params["organisation_id"]).exists():
            raise AccountsError(gettext("所选组织不存在"))
        changed = self.changes(obj, ACCESS_FIELDS)
        if not changed:
            raise AccountsError(gettext("角色和所属组织没有变化"))
        if obj.pk == getattr(user, "pk", None) and {"role", "is_superuser"} & changed.keys():
            raise AccountsError(gettext("不能变更自己的角色，请由另一位系统管理员办理"))
        guarded = "role" in changed and bool(set(changed["role"]) & set(permissions.GUARDED_ROLES))
        actor_role = permissions.role_of(user)
        if guarded and actor_role != User.Role.SECURITY:
            raise AccountsError(gettext("安全管理员、审计管理员角色只能由安全管理员授予或收回"))
        if not guarded and actor_role == User.Role.SECURITY:
            raise AccountsError(gettext("安全管理员只能授予或收回安全管理员、审计管理员角色，其他角色变更请由系统管理员办理"))
        if "is_superuser" in changed and actor_role != User.Role.ADMIN:
            raise AccountsError(gettext("只有系统管理员可以变更超级用户标记"))

    def perform(self, user, obj) -> User:
        self.detail = {"changed": self.changes(obj, ACCESS_FIELDS)}
        for field, (_, after) in self.detail["changed"].items():
            setattr(obj, field, after)
        obj.save(update_fields=[field.removesuffix("_id") for field in self.detail["changed"]])
        if "parent_id" in self.detail["changed"] and obj.kind == Organisation.Kind.ENTERPRISE:
            # An enterprise moved to another unit: its applications store their unit (for indexed lists), so they
            # move with it in this same transaction. Looked up by name: applications depends on accounts.
            application_model = django_apps.get_model("applications", "Application")
            application_model.objects.filter(enterprise__organisation=obj).update(unit_id=obj.parent_id)
        return obj


@operation_class
class UserDeactivate(AccountOperation):
    name = "user.deactivate"
    label = gettext_noop("停用账号")

    def state_of(self, obj) -> str:
        return _active(obj)

    def rules_check(self, user, obj) -> Check:
        if obj.pk == getattr(user, "pk", None):
            return refused(gettext("不能停用自己的账号"))
        return ALLOWED

    def state_check(self, obj) -> Check:
        return ALLOWED if obj.is_active else refused(gettext("账号“%(username)s”已停用") % {
                "username": obj.username})

    def perform(self, user, obj) -> User:
        obj.is_active = False
        obj.save(update_fields=["is_active"])
        return obj


@operation_class
class UserActivate(AccountOperation):
    name = "user.activate"
    label = gettext_noop("启用账号")

    def state_of(self, obj) -> str:
        return _active(obj)

    def state_check(self, obj) -> Check:
        return refused(gettext("账号“%(username)s”已启用") % {
                "username": obj.username}) if obj.is_active else ALLOWED

    def perform(self, user, obj) -> User:
        obj.is_active = True
        obj.save(update_fields=["is_active"])
        return obj


@operation_class
class UserUpdateContact(AccountOperation):
    """Name, e-mail and phone of an account (params: any of ``first_name``, ``last_name``, ``email``, ``phone``)."""

    name = "user.update_contact"
    label = gettext_noop("修改联系方式")

    def state_of(self, obj) -> str:
        return _active(obj)

    def validate(self, user, obj) -> None:
        if not self.changes(obj, CONTACT_FIELDS):
            raise AccountsError(gettext("联系方式没有变化"))

    def perform(self, user, obj) -> User:
        self.detail = {"changed": self.changes(obj, CONTACT_FIELDS)}
        for field, (_, after) in self.detail["changed"].items():
            setattr(obj, field, after)
        obj.save(update_fields=list(self.detail["changed"]))
        return obj


@operation_class
class UserEnableSecondFactor(AccountOperation):
    """The user confirms his TOTP authenticator (params: ``device``, the unconfirmed TOTPDevice) and receives new
    backup codes (the result; the old ones stop working). Only for oneself."""

    name = "user.enable_second_factor"
    label = gettext_noop("启用双因素认证")

    def rules_check(self, user, obj) -> Check:
        return ALLOWED if obj.pk == getattr(user, "pk", None) else refused(gettext("只能为自己的账号启用双因素认证"))

    def validate(self, user, obj) -> None:
        device = self.params["device"]
        if device.user_id != obj.pk:
            raise AccountsError(gettext("身份验证器不属于该账号"))

    def perform(self, user, obj) -> list[str]:
        from tidu.accounts import second_factor

        device = self.params["device"]
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        self.detail = {"device_id": device.pk, "backup_codes": second_factor.BACKUP_CODE_COUNT}
        return second_factor.new_backup_codes(obj)


@operation_class
class UserUnlockLogin(AccountOperation):
    """Forget the failed logins counted against the user's username (the e-mailed, signed unlock link)."""

    name = "user.unlock_login"
    label = gettext_noop("解除登录锁定")

    def perform(self, user, obj) -> User:
        from tidu.accounts import throttle

        throttle.unlock_username(obj.get_username())
        return obj


@operation_class
class OrganisationCreate(AccountOperation):
    name = "organisation.create"
    label = gettext_noop("新建组织")
    object_type = "organisation"
    model = Organisation

    def lock(self):
        return self.obj

    def state_of(self, obj) -> str:
        return _active(obj) if obj.pk is not None else NEW

    def perform(self, user, obj) -> Organisation:
        obj.save()
        self.detail = {"name": obj.name, "kind": obj.kind, "parent_id": obj.parent_id}
        return obj


@operation_class
class OrganisationUpdate(AccountOperation):
    """Name, kind, parent or 启用 of an organisation (params: any of ``ORGANISATION_FIELDS``)."""

    name = "organisation.update"
    label = gettext_noop("修改组织")
    object_type = "organisation"
    model = Organisation

    def state_of(self, obj) -> str:
        return _active(obj)

    def validate(self, user, obj) -> None:
        if not self.changes(obj, ORGANISATION_FIELDS):
            raise AccountsError(gettext("组织信息没有变化"))

    def perform(self, user, obj) -> Organisation:
        self.detail = {"changed": self.changes(obj, ORGANISATION_FIELDS)}
        for field, (_, after) in self.detail["changed"].items():
            setattr(obj, field, after)
        obj.save(update_fields=[field.removesuffix("_id") for field in self.detail["changed"]])
        if "parent_id" in self.detail["changed"] and obj.kind == Organisation.Kind.ENTERPRISE:
            # An enterprise moved to another unit: its applications store their unit (for indexed lists), so they
            # move with it in this same transaction. Looked up by name: applications depends on accounts.
            application_model = django_apps.get_model("applications", "Application")
            application_model.objects.filter(enterprise__organisation=obj).update(unit_id=obj.parent_id)
        return obj


OPERATIONS: dict[str, type[AccountOperation]] = {
    cls.name: cls for cls in (UserCreate, UserChangeRole, UserDeactivate, UserActivate, UserUpdateContact,
                              UserEnableSecondFactor, UserUnlockLogin, OrganisationCreate, OrganisationUpdate)}


def run(operation_name: str, obj, user, /, **params):
    """Execute the operation ``operation_name`` on ``obj``."""
    return OPERATIONS[operation_name](obj, **params).execute(user)
