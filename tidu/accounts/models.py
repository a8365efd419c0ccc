from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A node of the organisation tree: city bureau → its office; township units → their enterprises."""

    class Kind(models.TextChoices):
        CITY_BUREAU = "city_bureau", _("市经信局")
        CITY_OFFICE = "city_office", _("市经信局科室")
        TOWNSHIP = "township", _("乡镇人民政府")
        SUBDISTRICT = "subdistrict", _("办事处")
        FARM = "farm", _("农场")
        DEVELOPMENT_ZONE = "development_zone", _("开发区")
        ENTERPRISE = "enterprise", _("企业")

    UNIT_KINDS = (Kind.TOWNSHIP, Kind.SUBDISTRICT, Kind.FARM, Kind.DEVELOPMENT_ZONE)
    CITY_KINDS = (Kind.CITY_BUREAU, Kind.CITY_OFFICE)

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="unique_organisation_name_per_parent")]
        # the units (a few dozen among every enterprise's node) in their order: option lists, intake's lists
        indexes = [models.Index(fields=["kind", "name"], name="organisation_kind_name_idx")]

    def __str__(self):
        return self.name

    @property
    def is_unit(self) -> bool:
        """A township-level recommending unit (乡镇、办事处、农场、开发区)."""
        return self.kind in self.UNIT_KINDS

    @property
    def is_city(self) -> bool:
        return self.kind in self.CITY_KINDS


class User(AbstractUser):
    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业用户")
        TOWNSHIP = "township", _("乡镇经办人")
        CITY = "city", _("市经信局经办人")
        EXPERT = "expert", _("评审专家")
        ADMIN = "admin", _("系统管理员")
        SECURITY = "security_admin", _("安全管理员")
        AUDITOR = "auditor", _("审计管理员")

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="users", verbose_name=_("所属组织"))
    phone = models.CharField(_("手机号"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username



class PasswordHistory(models.Model):
    """The hash of a password an account used (tidu.accounts.password_policy.PasswordHistoryValidator)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history",
                             verbose_name=_("用户"))
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
