"""公示 (public notice before recognition), its entries, objections (异议) and the city's working-day calendar."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.applications.models import Application
from tidu.core.workdays import MAX_WORKING_DAYS
from tidu.policy.models import Call


class CalendarDay(models.Model):
    """A day that is not what its weekday says: a public holiday on a weekday, or a make-up working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日（不计工作日）")
        WORKDAY = "workday", _("调休上班日（计为工作日）")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    note = models.CharField(_("说明"), max_length=100, blank=True, help_text=_("如：清明节、劳动节调休"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("录入人"))
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class Publicity(models.Model):
    """One 公示: a list of applications proposed for recognition, shown publicly for N working days."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("公示期满")
        FINALISED = "finalised", _("已认定并公布名单")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="publicities", verbose_name=_("申报批次"))
    title = models.CharField(_("公示标题"), max_length=200)
    intro = models.TextField(_("公示说明"), blank=True, help_text=_("显示在名单上方，可留空使用默认说明"))
    start_date = models.DateField(_("公示开始日期"))
    working_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"), default=5, validators=[MinValueValidator(1), MaxValueValidator(MAX_WORKING_DAYS)])
    end_date = models.DateField(_("公示截止日期"), help_text=_("按工作日自动计算"))
    # A period shorter than practice (workdays.PRACTICE_WORKING_DAYS) needs the city's confirmed reason.
    short_period_reason = models.TextField(_("公示期少于 5 个工作日的理由"), blank=True)
    # The calendar days that moved the end date, frozen when the notice is published:
    # {"holidays": ["2026-04-06", ...], "workdays": [...]} (ISO dates inside the period).
    calendar_applied = models.JSONField(_("计算时采用的节假日与调休"), default=dict, blank=True)
    contact_office = models.CharField(_("受理单位"), max_length=100)
    contact_phone = models.CharField(_("联系电话"), max_length=50)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    contact_address = models.CharField(_("通信地址"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("认定人"))
    finalised_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    final_list_date = models.DateField(_("认定名单公布日期"), null=True, blank=True)
    # The 认定名单 exactly as published; every export is built from this and nothing else.
    final_snapshot = models.JSONField(_("认定名单快照"), null=True, blank=True)
    final_snapshot_sha256 = models.CharField(_("快照摘要"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-start_date", "-id"]

    def __str__(self):
        return self.title

    @property
    def is_finalised(self) -> bool:
        return self.status == self.Status.FINALISED

    def phase(self, today: dt.date) -> str:
        """draft / upcoming / open / closed / finalised, judged on ``today`` (北京时间)."""
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.status == self.Status.FINALISED:
            return "finalised"
        if today < self.start_date:
            return "upcoming"
        if today <= self.end_date:
            return "open"
        return "closed"


PHASE_LABELS = {"draft": _("草稿"), "upcoming": _("即将公示"), "open": _("公示中"), "closed": _("公示期满，待认定"),
                "finalised": _("已公布认定名单")}


class PublicityEntry(models.Model):
    """One application on a 公示. Display fields are copied at publication so the public notice never changes."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待公示")
        PROPOSED = "proposed", _("公示中")
        RECOGNISED = "recognised", _("已认定")
        REJECTED = "rejected", _("不予认定")

    publicity = models.ForeignKey(Publicity, on_delete=models.CASCADE, related_name="entries",
                                  verbose_name=_("公示"))
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="publicity_entry",
                                       verbose_name=_("申报"))
    position = models.PositiveIntegerField(_("序号"), default=0)
    enterprise_name = models.CharField(_("企业名称"), max_length=200, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    project_name = models.CharField(_("智能工厂（项目）名称"), max_length=200, blank=True)
    unit_name = models.CharField(_("所在乡镇（单位）"), max_length=200, blank=True)
    tier_label = models.CharField(_("申报等级"), max_length=20, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    decided_reason = models.TextField(_("不予认定理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示名单条目")
        verbose_name_plural = _("公示名单条目")
        ordering = ["publicity", "position", "id"]

    def __str__(self):
        return f"{self.position}. {self.enterprise_name or self.application}"

    @property
    def label(self) -> str:
        return f"{self.position}. {self.enterprise_name}"


def objection_upload_path(instance, filename):
    # Never the uploaded name (kept in attachment_name for display only).
    return f"objections/{instance.publicity_id}/{instance.attachment_sha256[:2]}/{instance.attachment_sha256}"


class Objection(models.Model):
    """An objection (异议) to one entry, lodged on the public page during the period, and its handling."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("成立")
        NOT_UPHELD = "not_upheld", _("不成立")

    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="objections",
                                  verbose_name=_("公示"))
    entry = models.ForeignKey(PublicityEntry, on_delete=models.PROTECT, related_name="objections",
                              verbose_name=_("异议对象"))
    number = models.CharField(_("异议编号"), max_length=30, unique=True)
    name = models.CharField(_("异议人（单位）"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    content = models.TextField(_("异议内容"))
    attachment = models.FileField(_("附件"), upload_to=objection_upload_path, max_length=300, blank=True)
    attachment_name = models.CharField(_("附件原文件名"), max_length=255, blank=True)
    attachment_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    attachment_size = models.PositiveBigIntegerField(_("附件大小（字节）"), null=True, blank=True)
    attachment_sha256 = models.CharField(_("附件 SHA-256"), max_length=64, blank=True)
    # HMAC of the client address with the site secret: enough for a daily limit, not an address log.
    client_digest = models.CharField(_("来源标识"), max_length=64, db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    investigation = models.TextField(_("调查核实情况"), blank=True)
    outcome = models.CharField(_("处理结论"), max_length=20, choices=Outcome.choices, blank=True)
    reply = models.TextField(_("答复意见"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("处理人"))
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["submitted_at", "id"]

    def __str__(self):
        return self.number

    @property
    def is_handled(self) -> bool:
        return bool(self.outcome)


class RecognitionNotice(models.Model):
    """The call's 认定通知: the 文号 and date the city enters (recorded by ``recognition_notice.record``, audited);
    the notice itself (Word, PDF) is built from these and the call's 认定名单 every time it is downloaded."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="recognition_notice",
                                verbose_name=_("申报批次"))
    document_number = models.CharField(_("文号"), max_length=100, help_text=_("如：天经信发〔2026〕12号"))
    issue_date = models.DateField(_("发文日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("录入人"))
    recorded_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("认定通知")
        verbose_name_plural = _("认定通知")

    def __str__(self):
        return f"{self.call} · {self.document_number}"
