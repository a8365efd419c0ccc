import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.core.timezones import local_day


class PolicyPack(models.Model):
    """A snapshot of one pack version as loaded; never changed once stored (a change is a new version)."""

    KIND_CHOICES = [("taxonomy", _("场景与环节")), ("tiers", _("等级与要素条件")), ("kpis", _("关键绩效指标")),
                    ("maturity", _("成熟度模型")), ("call", _("申报批次"))]

    pack_id = models.CharField(_("策略包编号"), max_length=100)
    version = models.CharField(_("版本"), max_length=30)
    kind = models.CharField(_("类型"), max_length=20, choices=KIND_CHOICES)
    title = models.CharField(_("名称"), max_length=200)
    document = models.JSONField(_("内容"))
    sha256 = models.CharField(_("内容摘要"), max_length=64)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("策略包")
        verbose_name_plural = _("策略包")
        constraints = [models.UniqueConstraint(fields=["pack_id", "version"], name="unique_pack_version")]
        ordering = ["kind", "pack_id", "version"]

    def __str__(self):
        return f"{self.title}（{self.pack_id}@{self.version}）"

    @property
    def ref(self) -> str:
        return f"{self.pack_id}@{self.version}"


class Call(models.Model):
    """One call for applications (one year, region and tier), pinned to the pack versions it uses."""

    code = models.CharField(_("批次编号"), max_length=100, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.CharField(_("地区"), max_length=100)
    tier = models.CharField(_("等级"), max_length=20)
    opens_at = models.DateTimeField(_("申报开始"))
    closes_before = models.DateTimeField(_("申报截止（此刻之前）"))
    township_deadline_before = models.DateTimeField(_("乡镇推荐截止（此刻之前）"))
    call_pack = models.ForeignKey(PolicyPack, on_delete=models.PROTECT, related_name="calls", verbose_name=_("批次策略包"))
    pinned_packs = models.ManyToManyField(PolicyPack, related_name="pinned_by", verbose_name=_("引用的策略包"))
    policy_sha256 = models.CharField(_("政策摘要"), max_length=64)
    # 补正期限 default when the call pack states none (no source for 2026 does): the bureau's own choice.
    revision_working_days = models.PositiveSmallIntegerField(
        _("补正期限（工作日，市经信局设定）"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("退回补正后企业重新提交的默认期限，自退回次日起算，扣除节假日。批次策略包规定了天数时以策略包为准；"
                    "留空则每次退回时由经办人填写日期。"))

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["-year", "code"]

    def __str__(self):
        return self.title

    # Deadlines are stored as the first instant after the last day; people read the last day itself.
    @property
    def closes_on(self) -> dt.date:
        return local_day(self.closes_before - dt.timedelta(microseconds=1))

    @property
    def township_deadline_on(self) -> dt.date:
        return local_day(self.township_deadline_before - dt.timedelta(microseconds=1))


class PackDraft(models.Model):
    """A call pack version the city bureau is preparing from a published one (the call editor).

    Edited only while a draft; publishing stores it as a PolicyPack (immutable from then on, like any loaded
    version) and points the call its ``content.code`` names at it. The draft row stays, marked published.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="pack_drafts",
                             verbose_name=_("来源批次"))
    base = models.ForeignKey(PolicyPack, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("来源版本（已发布）"))
    pack_id = models.CharField(_("策略包编号"), max_length=100)
    version = models.CharField(_("版本"), max_length=30)
    document = models.JSONField(_("内容"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    published_pack = models.ForeignKey(PolicyPack, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("发布的版本"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批次策略包草稿")
        verbose_name_plural = _("批次策略包草稿")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["pack_id", "version"], name="unique_draft_pack_version")]

    def __str__(self):
        return f"{self.document['pack']['title']}（{self.ref}）"

    @property
    def ref(self) -> str:
        return f"{self.pack_id}@{self.version}"

    @property
    def title(self) -> str:
        return self.document["pack"]["title"]
