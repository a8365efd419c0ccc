"""Expert review (专家评审): the expert pool, scoring rubrics, assignments and sealed scores.

Rules live in ``services`` (writes) and ``selectors`` (reads, visibility); ``coi`` decides conflicts of
interest and ``aggregation`` turns submitted totals into a result. Nothing here decides who may see what.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.accounts.models import Organisation
from tidu.applications.models import Application
from tidu.enterprises.models import Enterprise
from tidu.experts.scoring import fmt_points, fmt_scale, parse_scale
from tidu.policy.models import Call


class ExpertProfile(models.Model):
    """A member of the expert pool (专家库): one user with role 评审专家, and what they declared about themselves."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_profile",
                                verbose_name=_("账号"))
    title = models.CharField(_("职称"), max_length=100, blank=True)
    expertise = models.CharField(_("专业领域"), max_length=200, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=200, blank=True,
                                     help_text=_("专家自报的工作单位全称，与申报企业名称相同的将自动回避"))
    employer_enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="+", verbose_name=_("工作单位（平台内企业）"))
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("所在乡镇（办事处、农场、开发区）"),
                             limit_choices_to={"kind__in": Organisation.UNIT_KINDS},
                             help_text=_("开启“同乡镇回避”时，不评审本乡镇企业的申报"))
    related_enterprises = models.ManyToManyField(Enterprise, through="ExpertRelation", related_name="related_experts",
                                                 verbose_name=_("有关联关系的企业"))
    is_active = models.BooleanField(_("在库（可选派）"), default=True)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("入库时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("专家库")
        ordering = ["user__username"]

    def __str__(self):
        return self.user.display_name


class ExpertRelation(models.Model):
    """A declared relationship between an expert and an enterprise; any such relation excludes the expert."""

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", _("任职或曾任职")
        CONSULTING = "consulting", _("提供咨询、诊断或申报服务")
        SHAREHOLDING = "shareholding", _("持股或投资")
        FAMILY = "family", _("近亲属任职")
        SUPPLIER = "supplier", _("供应商或合作方")
        CONFLICT = "conflict", _("评审时声明的利益冲突")
        OTHER = "other", _("其他利害关系")

    profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="relations",
                                verbose_name=_("专家"))
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业"))
    kind = models.CharField(_("关系"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("登记人"))
    declared_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("关联关系")
        verbose_name_plural = _("关联关系")
        ordering = ["declared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["profile", "enterprise", "kind"],
                                               name="unique_expert_relation_kind")]

    def __str__(self):
        return f"{self.profile} · {self.enterprise} · {self.get_kind_display()}"


class Rubric(models.Model):
    """The scoring table (评分表) for one call and tier, with its ordered criteria and aggregation settings."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="rubrics", verbose_name=_("申报批次"))
    tier = models.CharField(_("申报等级"), max_length=20)
    title = models.CharField(_("名称"), max_length=200)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # The panel size is also the quorum: completing a review with fewer submitted scores needs a recorded reason.
    experts_per_application = models.PositiveSmallIntegerField(
        _("每份申报评审专家人数"), default=3,
        help_text=_("也是完成专家评审的法定人数：已提交评分的专家少于此数时，须写明理由方可完成（市经信局设定）"))
    trim_extremes = models.BooleanField(_("去掉一个最高分和一个最低分（5 位及以上专家时）"), default=False)
    outlier_points = models.DecimalField(_("偏离提示阈值（分）"), max_digits=5, decimal_places=1, default=Decimal("15"),
                                         help_text=_("某位专家的总分与其他专家总分中位数相差超过此值时提示核对"))
    exclude_same_unit = models.BooleanField(_("同乡镇回避"), default=True,
                                            help_text=_("所在乡镇与申报企业相同的专家自动回避"))
    city_sees_scores_before_complete = models.BooleanField(_("全部提交前市经信局可查看分数"), default=False)
    # Set when the first score is submitted: the criteria (and the trimming rule) cannot change after that.
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["call", "tier"]
        constraints = [models.UniqueConstraint(fields=["call", "tier"], name="one_rubric_per_call_tier")]

    def __str__(self):
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def max_total(self) -> Decimal:
        return sum((c.max_points for c in self.criteria.all()), Decimal("0"))


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("评分表"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    name = models.CharField(_("评分项"), max_length=100)
    max_points = models.DecimalField(_("满分"), max_digits=5, decimal_places=1)
    guidance = models.TextField(_("评分要点"), blank=True)
    # The criterion's scale (e.g. 智能制造成熟度: 一级 0 分，二级 5 分，三级 10 分，四级 20 分 → "0,5,10,20"):
    # only these values may be given. Or a step (every multiple of it). Empty: any value 0..max, one decimal.
    allowed_points = models.CharField(_("允许的分值"), max_length=200, blank=True,
                                      help_text=_("按等级给分的评分项填写各档分值，用逗号分隔，如 0,5,10,20；留空则不限"))
    step = models.DecimalField(_("分值步长"), max_digits=5, decimal_places=1, null=True, blank=True,
                               help_text=_("只能按此步长给分（如 5：0、5、10……）；留空则不限"))

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.name}（{self.max_points:g} 分）"

    @property
    def allowed_values(self) -> list[Decimal]:
        values, _error = parse_scale(self.allowed_points, self.max_points)
        return values or []

    @property
    def allowed_csv(self) -> str:
        """The allowed values as "0,5,10,20" (for the page's live check)."""
        return ",".join(fmt_points(v) for v in self.allowed_values)

    @property
    def scale_text(self) -> str:
        """"0、5、10、20" (allowed values), "0、5、10……" (a step), or "" (any value up to the maximum)."""
        if self.allowed_values:
            return fmt_scale(self.allowed_values)
        if self.step:
            return f"0、{fmt_points(self.step)}、{fmt_points(self.step * 2)}……"
        return ""


class Assignment(models.Model):
    """One expert asked to score one application against its call's rubric."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待评分")
        SUBMITTED = "submitted", _("已提交")
        REOPENED = "reopened", _("退回复核")
        WITHDRAWN = "withdrawn", _("已回避")

    OPEN_STATUSES = (Status.ASSIGNED, Status.REOPENED)
    ACTIVE_STATUSES = (Status.ASSIGNED, Status.SUBMITTED, Status.REOPENED)

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="expert_assignments",
                                    verbose_name=_("申报"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_assignments",
                               verbose_name=_("专家"))
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("评分表"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    comments = models.TextField(_("评审意见"), blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1, null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("选派人"))
    assigned_at = models.DateTimeField(_("选派时间"), auto_now_add=True)
    saved_at = models.DateTimeField(_("保存时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reopen_reason = models.TextField(_("退回复核原因"), blank=True)
    withdrawn_reason = models.TextField(_("回避原因"), blank=True)
    is_leader = models.BooleanField(_("专家组组长"), default=False)

    class Meta:
        verbose_name = _("评审任务")
        verbose_name_plural = _("评审任务")
        ordering = ["assigned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"],
                                               name="one_assignment_per_expert_application")]

    def __str__(self):
        return f"{self.expert} · {self.application}"

    @property
    def events(self):
        """This assignment's history (assigned, submitted, reopened, withdrawn), oldest first."""
        from tidu.core.models import AuditEntry

        return AuditEntry.objects.for_object("assignment", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    # For pages: what to show (what may be done is asked of the operations, ``{% allowed %}``).
    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_reopened(self) -> bool:
        return self.status == self.Status.REOPENED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class CriterionScore(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("评分项得分")
        verbose_name_plural = _("评分项得分")
        constraints = [models.UniqueConstraint(fields=["assignment", "criterion"], name="one_score_per_criterion")]

    def __str__(self):
        return f"{self.criterion.name}: {self.points}"


class ExpertReviewResult(models.Model):
    """The aggregate recorded when the city completes the expert review of an application (专家评审完成)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="expert_results",
                                    verbose_name=_("申报"))
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+", verbose_name=_("评分表"))
    expert_count = models.PositiveSmallIntegerField(_("专家人数"))
    mean_total = models.DecimalField(_("平均分"), max_digits=7, decimal_places=2)
    trimmed = models.BooleanField(_("已去掉最高分和最低分"), default=False)
    # {"criteria": [{"id", "name", "max", "mean"}], "totals": [{"assignment", "total", "outlier", "median_others"}]}
    detail = models.JSONField(_("明细"), default=dict)
    note = models.TextField(_("处理说明"), blank=True)
    # The panel size required (the rubric's, at completion) and, when fewer experts scored, why the city went on.
    quorum = models.PositiveSmallIntegerField(_("法定人数"), default=0)
    quorum_override_reason = models.TextField(_("少于法定人数完成的理由"), blank=True)
    panel_opinion = models.TextField(_("专家组意见"), blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("完成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专家评审结果")
        verbose_name_plural = _("专家评审结果")
        ordering = ["-completed_at", "-id"]

    def __str__(self):
        return f"{self.application} · {self.mean_total}"


class PanelOpinion(models.Model):
    """The panel's opinion (专家组意见) on one application: written by the panel leader or a city officer once
    the scores are unsealed, editable until the expert review is completed (then copied into the result)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="panel_opinion",
                                       verbose_name=_("申报"))
    text = models.TextField(_("专家组意见"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("填写人"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专家组意见")
        verbose_name_plural = _("专家组意见")

    def __str__(self):
        return f"{self.application} · {self.text[:20]}"


class ReviewSession(models.Model):
    """A review meeting (评审会): the experts who attend and the applications they review there, for one call.
    Its 专家签到表 is printed per session (``tidu.experts.sheets.session_sign_in_sheet``)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="review_sessions",
                             verbose_name=_("申报批次"))
    name = models.CharField(_("会议名称"), max_length=200)
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    experts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="review_sessions", blank=True,
                                     verbose_name=_("参会专家"))
    applications = models.ManyToManyField(Application, related_name="review_sessions", blank=True,
                                          verbose_name=_("评审的申报"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评审会")
        verbose_name_plural = _("评审会")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.name}（{self.date:%Y-%m-%d}）"
