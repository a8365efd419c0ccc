"""The township's and the city's side of review: invitations, the 推荐名单 as an object, 形式审查, batch runs.

Business rules live in services.py; these models only hold what was decided and by whom.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tidu.accounts.models import Organisation
from tidu.applications.models import Application
from tidu.core.models import AuditEntry
from tidu.policy.models import Call


class Invitation(models.Model):
    """An e-mail a township unit sent to an enterprise to invite it to register and apply (广泛动员)."""

    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invitations",
                             verbose_name=_("邀请单位"))
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations",
                             verbose_name=_("申报批次"))
    email = models.EmailField(_("电子邮箱"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("邀请人"))
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    error = models.CharField(_("发送失败原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("申报邀请")
        verbose_name_plural = _("申报邀请")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.email

    @property
    def status_label(self) -> str:
        if self.sent_at:
            return gettext("已发送")
        return gettext("发送失败") if self.error else gettext("待发送")


class RecommendationList(models.Model):
    """One unit's 推荐名单 (附件5) for one call: ranked entries, signed off, frozen and sent to the city."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SIGNED = "signed", _("已签发，待报送")
        SENT = "sent", _("已报送市经信局")
        REOPENED = "reopened", _("市经信局已退回修改")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="recommendation_lists",
                             verbose_name=_("申报批次"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="recommendation_lists",
                             verbose_name=_("推荐单位"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("签发人"))
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("报送人"))
    sent_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("退回修改人"))
    reopened_at = models.DateTimeField(_("退回修改时间"), null=True, blank=True)
    reopen_reason = models.TextField(_("退回修改原因"), blank=True)
    # The frozen content at sign-off (what the city receives and what exports print), and its SHA-256.
    snapshot = models.JSONField(_("签发时的名单"), default=dict, blank=True)
    snapshot_sha256 = models.CharField(_("名单摘要"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("推荐名单")
        verbose_name_plural = _("推荐名单")
        ordering = ["unit__name"]
        constraints = [models.UniqueConstraint(fields=["call", "unit"], name="one_recommendation_list_per_unit")]

    def __str__(self):
        return f"{self.unit.name} · {self.call.title}"

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.SIGNED, self.Status.SENT)

    @property
    def is_sent(self) -> bool:
        return self.status == self.Status.SENT

    @property
    def events(self):
        """This list's history (every edit, sign-off, sending and reopening), oldest first."""
        return AuditEntry.objects.for_object("recommendation_list", self.pk)


class RecommendationEntry(models.Model):
    """One application on a 推荐名单, at its priority (1 = first), with the unit's 推荐意见."""

    recommendation_list = models.ForeignKey(RecommendationList, on_delete=models.CASCADE, related_name="entries",
                                            verbose_name=_("推荐名单"))
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="recommendation_entry",
                                       verbose_name=_("申报"))
    priority = models.PositiveIntegerField(_("推荐顺序"))
    opinion = models.TextField(_("推荐意见"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("加入人"))
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推荐名单条目")
        verbose_name_plural = _("推荐名单条目")
        ordering = ["priority", "id"]

    def __str__(self):
        return f"{self.priority}. {self.application.enterprise.name}"


class FormalReview(models.Model):
    """The city's 形式审查 of one application: the checklist as decided, and the decision taken with it."""

    class Decision(models.TextChoices):
        PASS = "formal_pass", _("形式审查通过")
        FAIL = "formal_fail", _("形式审查不通过")
        RETURN = "city_return", _("退回补正")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="formal_reviews",
                                    verbose_name=_("申报"))
    # [{key, group, label, engine_checked, engine_result, engine_message, checked, override_reason}]
    items = models.JSONField(_("审查项"), default=list)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("审查人"))
    decided_at = models.DateTimeField(_("审查时间"))
    decision = models.CharField(_("结论"), max_length=20, choices=Decision.choices)
    reason = models.TextField(_("意见"), blank=True)
    section_reasons = models.JSONField(_("分部分意见"), default=dict, blank=True)
    batch = models.BooleanField(_("批量操作"), default=False)
    audit_entry = models.OneToOneField("core.AuditEntry", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="formal_review", verbose_name=_("操作日志"))

    class Meta:
        verbose_name = _("形式审查")
        verbose_name_plural = _("形式审查")
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.application} · {self.get_decision_display()}"

    @property
    def overrides(self) -> list[dict]:
        return [item for item in self.items if item.get("checked") != item.get("engine_checked")]


class BatchRun(models.Model):
    """One batch action on a filtered set of applications: a job done in chunks, one ``BatchItem`` per application.

    The items are recorded when the batch is started (so a batch is never without its record); a worker then
    does them chunk by chunk, each chunk committing its items' results together with the changes themselves,
    so an item is either done with its result or untouched. ``finished_at`` is set once no item is pending.
    """

    action = models.CharField(_("操作"), max_length=40)
    action_label = models.CharField(_("操作名称"), max_length=60)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    filters_text = models.CharField(_("筛选条件（文字）"), max_length=500, blank=True)
    reason = models.TextField(_("意见"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("操作人"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total = models.PositiveIntegerField(_("件数"), default=0)
    succeeded = models.PositiveIntegerField(_("成功"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)

    class Meta:
        verbose_name = _("批量操作")
        verbose_name_plural = _("批量操作")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action_label}（{self.succeeded}/{self.total}）"

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    @property
    def pending(self) -> int:
        return max(self.total - self.done, 0)

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)

    @property
    def results(self) -> list[dict]:
        """The finished items as dicts (one query; for tests and small runs: pages read ``items`` paginated)."""
        return [item.as_row() for item in self.items.exclude(ok=None).order_by("position")]


class BatchItem(models.Model):
    """One application of a batch: pending (``ok`` is null) or done with its result (成功/失败 + reason)."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="items", verbose_name=_("批量操作"))
    position = models.PositiveIntegerField(_("序号"))
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("申报"))
    enterprise = models.CharField(_("企业"), max_length=200, blank=True)
    unit = models.CharField(_("单位"), max_length=200, blank=True)
    from_status = models.CharField(_("原状态"), max_length=40, blank=True)
    to_status = models.CharField(_("现状态"), max_length=40, blank=True)
    ok = models.BooleanField(_("成功"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)
    done_at = models.DateTimeField(_("办理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量操作逐件结果")
        verbose_name_plural = _("批量操作逐件结果")
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="batch_item_position_unique")]
        indexes = [models.Index(fields=["run", "ok", "position"], name="batch_item_pending")]

    def __str__(self):
        return f"{self.run_id}#{self.position} {self.enterprise}"

    def as_row(self) -> dict:
        return {"application": self.application_id, "enterprise": self.enterprise, "unit": self.unit,
                "ok": self.ok, "message": self.message, "from_status": self.from_status,
                "to_status": self.to_status}
