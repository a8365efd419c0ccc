"""评审结论 (the city's 通过 / 不通过 after a review stage), 集体决策 (the meeting or document that decided), and
the pass mark a bureau may set for a call (合格分数线: a bureau's own choice, never a built-in number)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.applications.models import Application
from tidu.policy.models import Call

BUREAU_SETTING = "市经信局设定"


class DecisionSetting(models.Model):
    """The city's settings for deciding on one call's applications. No pass mark: nothing is pre-filled."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="decision_setting",
                                verbose_name=_("申报批次"))
    pass_mark = models.DecimalField(_("合格分数线（专家组总分）"), max_digits=6, decimal_places=2, null=True, blank=True,
                                    help_text=_("专家组总分达到此分数时，评审结论预选“通过”，否则预选“不通过”；"
                                                "仅作预选，结论由市经信局确认。留空则不预选。"))
    source = models.CharField(_("依据"), max_length=200, default=BUREAU_SETTING,
                              help_text=_("分数线的出处，如会议纪要文号；由市经信局自定的写“市经信局设定”"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("设置人"))
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("评审结论设置")
        verbose_name_plural = _("评审结论设置")

    def __str__(self):
        return f"{self.call} · {self.pass_mark if self.pass_mark is not None else '—'}"


class CollectiveDecision(models.Model):
    """A collective decision (集体决策): the meeting (名称、日期、参会人员) or the document (文号) that decided."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="collective_decisions",
                             verbose_name=_("申报批次"))
    meeting_name = models.CharField(_("会议名称"), max_length=200, blank=True)
    meeting_date = models.DateField(_("会议日期"), null=True, blank=True)
    attendees = models.TextField(_("参会人员"), blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("集体决策")
        verbose_name_plural = _("集体决策")
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        parts = [self.meeting_name, self.meeting_date.strftime("%Y-%m-%d") if self.meeting_date else "",
                 self.document_number]
        return " ".join(part for part in parts if part)


class ReviewConclusion(models.Model):
    """The city's conclusion after a review stage. The latest one of an application is the one that counts;
    earlier ones stay as its history. The panel total and pass mark are copied as they were when recorded."""

    class Stage(models.TextChoices):
        EXPERT_REVIEW = "expert_review", _("专家评审后")
        ONSITE = "onsite", _("现场核查后")

    class Outcome(models.TextChoices):
        PASS = "pass", _("通过")
        FAIL = "fail", _("不通过")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="review_conclusions",
                                    verbose_name=_("申报"))
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices)
    outcome = models.CharField(_("评审结论"), max_length=10, choices=Outcome.choices)
    reasons = models.TextField(_("理由"))
    panel_total = models.DecimalField(_("专家组总分"), max_digits=7, decimal_places=2, null=True, blank=True)
    pass_mark = models.DecimalField(_("合格分数线"), max_digits=6, decimal_places=2, null=True, blank=True)
    suggested = models.CharField(_("按分数线预选"), max_length=10, choices=Outcome.choices, blank=True)
    collective_decision = models.ForeignKey(CollectiveDecision, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="conclusions", verbose_name=_("集体决策"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评审结论")
        verbose_name_plural = _("评审结论")
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"{self.application} · {self.get_stage_display()} · {self.get_outcome_display()}"

    @property
    def passed(self) -> bool:
        return self.outcome == self.Outcome.PASS

    @property
    def overrides_pass_mark(self) -> bool:
        return bool(self.suggested) and self.suggested != self.outcome
