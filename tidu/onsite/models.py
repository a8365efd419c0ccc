"""On-site verification (现场核查): a checklist generated from the application's claims, decided item by
item by inspectors on a phone, with photos; discrepancies (不符) flow back to the city and the experts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tidu.applications.models import Application


class OnsiteCheck(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("核查中")
        COMPLETED = "completed", _("已完成")
        RETURNED = "returned", _("已退回补正")
        CANCELLED = "cancelled", _("已取消")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="onsite_checks",
                                    verbose_name=_("申报"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="onsite_checks",
                                        verbose_name=_("核查人员"))
    planned_date = models.DateField(_("计划核查日期"), null=True, blank=True)
    # Fingerprint of the application content the checklist was generated from (applications.services.content_hash).
    claims_sha256 = models.CharField(_("申报内容摘要"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    reported_at = models.DateTimeField(_("核查人员报告完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("办结人"))
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    summary = models.TextField(_("核查结论"), blank=True)

    class Meta:
        verbose_name = _("现场核查")
        verbose_name_plural = _("现场核查")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["application"], condition=Q(status="open"),
                                               name="one_open_onsite_check_per_application")]

    def __str__(self):
        return gettext("现场核查 · %(application)s") % {"application": self.application}

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CheckItem(models.Model):
    class Kind(models.TextChoices):
        SCENARIO = "scenario", _("场景")
        KPI = "kpi", _("关键绩效指标")
        DECLARATION = "declaration", _("申报条件")

    class Result(models.TextChoices):
        UNDECIDED = "", _("待核查")
        CONFIRMED = "confirmed", _("属实")
        MISMATCH = "mismatch", _("不符")
        NOT_CHECKED = "not_checked", _("未核查")

    DECIDED = (Result.CONFIRMED, Result.MISMATCH, Result.NOT_CHECKED)

    onsite_check = models.ForeignKey(OnsiteCheck, on_delete=models.CASCADE, related_name="items",
                                     verbose_name=_("现场核查"))
    order = models.PositiveIntegerField(_("顺序"))
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("编号"), max_length=50, help_text=_("场景编号、指标编号或申报条件代码"))
    title = models.CharField(_("核查事项"), max_length=200)
    claim = models.TextField(_("申报内容"))
    result = models.CharField(_("核查结果"), max_length=20, choices=Result.choices, blank=True, default="")
    note = models.TextField(_("核查说明"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("核查人"))
    decided_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    # A discrepancy (不符) stays open until the city records how it was settled.
    resolution = models.TextField(_("处理情况"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("处理人"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("核查事项")
        verbose_name_plural = _("核查事项")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["onsite_check", "kind", "key"], name="unique_check_item_key")]

    def __str__(self):
        return f"{self.key} {self.title}"

    @property
    def is_decided(self) -> bool:
        return self.result in self.DECIDED

    @property
    def is_mismatch(self) -> bool:
        return self.result == self.Result.MISMATCH

    @property
    def is_open_discrepancy(self) -> bool:
        return self.result == self.Result.MISMATCH and self.resolved_at is None


def photo_upload_path(instance, filename):
    # The stored name never uses the uploaded name.
    return f"onsite/{instance.item.onsite_check_id}/{instance.item_id}/{instance.sha256}"


class CheckPhoto(models.Model):
    item = models.ForeignKey(CheckItem, on_delete=models.CASCADE, related_name="photos", verbose_name=_("核查事项"))
    file = models.FileField(_("照片"), upload_to=photo_upload_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    content_type = models.CharField(_("类型"), max_length=30)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField("SHA-256", max_length=64)
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    taken_at = models.CharField(_("拍摄时间（照片信息）"), max_length=30, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核查照片")
        verbose_name_plural = _("核查照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name or self.sha256[:12]
