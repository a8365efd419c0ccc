from django.contrib.auth.models import AbstractUser
from django.db import models


class Organisation(models.Model):
    """A node of the organisation tree: city bureau → its office; township units → their enterprises."""

    class Kind(models.TextChoices):
        CITY_BUREAU = "city_bureau", "市经信局"
        CITY_OFFICE = "city_office", "市经信局科室"
        TOWNSHIP = "township", "乡镇人民政府"
        SUBDISTRICT = "subdistrict", "办事处"
        FARM = "farm", "农场"
        DEVELOPMENT_ZONE = "development_zone", "开发区"
        ENTERPRISE = "enterprise", "企业"

    UNIT_KINDS = (Kind.TOWNSHIP, Kind.SUBDISTRICT, Kind.FARM, Kind.DEVELOPMENT_ZONE)
    CITY_KINDS = (Kind.CITY_BUREAU, Kind.CITY_OFFICE)

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="unique_organisation_name_per_parent")]

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
        ENTERPRISE = "enterprise", "企业用户"
        TOWNSHIP = "township", "乡镇经办人"
        CITY = "city", "市经信局经办人"
        EXPERT = "expert", "评审专家"
        ADMIN = "admin", "系统管理员"

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="users", verbose_name="所属组织")
    phone = models.CharField("手机号", max_length=30, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class LoginThrottle(models.Model):
    """Failed-login counter for one username (normalised), and the lock it leads to.

    Kept per username, whether or not such a user exists, so that the login page answers every
    username alike. A successful login deletes the row; see tidu.accounts.services.
    """

    username = models.CharField("用户名", max_length=150, unique=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    window_started_at = models.DateTimeField("本轮首次失败时间", null=True, blank=True)
    last_failure_at = models.DateTimeField("最近失败时间", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        ordering = ["-last_failure_at"]

    def __str__(self):
        return self.username
