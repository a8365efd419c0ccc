from functools import cache

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tidu.applications.workflow import STATE_LABELS, State, display_state, state_label
from tidu.eligibility.findings import Outcome
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call


@cache
def sent_list_status() -> str:
    """The status of a 推荐名单 sent (报送) to the city, as review declares it (``RecommendationList.Status.SENT``),
    read through the relation: applications does not import review (review depends on it), and keeps no copy."""
    entry = Application._meta.get_field("recommendation_entry").related_model
    return entry._meta.get_field("recommendation_list").related_model.Status.SENT.value


class Application(models.Model):
    """One enterprise's application to one call at one tier. Its content lives in ApplicationSection rows."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="applications",
                                   verbose_name=_("企业"))
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报批次"))
    # The enterprise's township unit (enterprise → organisation → parent), stored so that lists sort and filter by
    # unit on this table's own indexes. Set when the application is created; kept equal to the enterprise's unit
    # by the one operation that moves an enterprise (organisation.update of its node's parent).
    unit = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, db_index=False,
                             related_name="+", verbose_name=_("所属乡镇"))
    tier = models.CharField(_("申报等级"), max_length=20)
    status = models.CharField(_("状态"), max_length=40, choices=[(state, _(label)) for state, label in STATE_LABELS.items()], default=State.DRAFT)
    # Sections the reviewer sent back (退回补正): {section key: reason}. Empty unless status is returned.
    returned_sections = models.JSONField(_("退回补正的部分"), default=dict, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("退回人"))
    # The state a returned application goes back to when resubmitted: the reviewer who returned it.
    return_to = models.CharField(_("补正后回到"), max_length=40, blank=True)
    # 补正期限: the last day (inclusive, to 24:00 北京时间) on which the enterprise may resubmit, even after
    # the call's window closed. Set by the return, changed only by application.revision_due_change.
    revision_due = models.DateField(_("补正期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申报")
        verbose_name_plural = _("申报")
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "call", "tier"],
                                               name="one_application_per_enterprise_call_tier")]
        indexes = [
            # the township's list (its unit, by status then newest) and the city's per-unit filters
            models.Index(fields=["unit", "status", "-updated_at", "id"], name="application_unit_status_idx"),
            # the city's lists of one call, grouped by unit
            models.Index(fields=["call", "unit", "status", "id"], name="application_call_unit_idx"),
        ]

    def __str__(self):
        return f"{self.enterprise.name} · {self.call.title}"

    def save(self, *args, **kwargs):
        if self._state.adding and self.unit_id is None and self.enterprise_id is not None:
            self.unit_id = self.enterprise.organisation.parent_id  # the stored unit, whatever path creates it
        super().save(*args, **kwargs)

    @property
    def on_sent_list(self) -> bool:
        """Is this application (still 乡镇已推荐) on its unit's 推荐名单 that was sent (报送) to the city?

        Reads the ``list_sent`` annotation when a list query added one (``selectors.with_list_state``); otherwise
        the entry and its list (one query, and only for a recommended application).
        """
        if self.status != State.TOWNSHIP_RECOMMENDED:
            return False
        if hasattr(self, "list_sent"):
            return bool(self.list_sent)
        entry = getattr(self, "recommendation_entry", None)
        return entry is not None and entry.recommendation_list.status == sent_list_status()

    @property
    def display_state(self) -> str:
        return display_state(self.status, list_sent=self.on_sent_list)

    @property
    def status_label(self) -> str:
        """The status in the reader's language: the one label (``workflow.state_label``), list state included."""
        return gettext(state_label(self.status, list_sent=self.on_sent_list))

    @property
    def events(self):
        """This application's own lifecycle history (the audit rows on the application itself), oldest first."""
        from tidu.core.models import AuditEntry

        return AuditEntry.objects.for_object("application", self.pk)

    def latest_submission(self):
        """The newest receipt (Submission orders newest first, ties by id); uses prefetched rows when present."""
        submissions = self.submissions.all()
        return submissions[0] if submissions else None


class ApplicationSection(models.Model):
    """One section of the 申报书. ``revision`` grows on every save so that two tabs cannot silently overwrite."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(_("部分"), max_length=30)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("修订号"), default=0)
    updated_at = models.DateTimeField(_("保存时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # The browser tab that wrote the current revision: a tab's own autosaves never conflict with its save.
    editor_token = models.CharField(_("编辑窗口标识"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("申报书部分")
        verbose_name_plural = _("申报书部分")
        constraints = [models.UniqueConstraint(fields=["application", "key"], name="unique_section_per_application")]

    def __str__(self):
        return f"{self.application_id}:{self.key}@{self.revision}"


class SectionRevision(models.Model):
    """One saved version of a section: every save keeps what was written, by whom, when, and what changed.

    The section row holds only the latest content; these rows keep the history so that the city can see, on
    request, which fields changed between two revisions (drafts stay the enterprise's own business).
    """

    section = models.ForeignKey(ApplicationSection, on_delete=models.CASCADE, related_name="revisions",
                                verbose_name=_("申报书部分"))
    revision = models.PositiveIntegerField(_("修订号"))
    data = models.JSONField(_("内容"), default=dict, blank=True)
    # Top-level field keys whose value differs from the previous revision.
    changed = models.JSONField(_("修改的项目"), default=list, blank=True)
    # The application's state when saved: revisions written while it was a draft are the enterprise's own.
    application_status = models.CharField(_("保存时的申报状态"), max_length=40, blank=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("保存人"))
    saved_at = models.DateTimeField(_("保存时间"), default=timezone.now)
    editor_token = models.CharField(_("编辑窗口标识"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("申报书修订")
        verbose_name_plural = _("申报书修订")
        ordering = ["section", "revision"]
        constraints = [models.UniqueConstraint(fields=["section", "revision"], name="unique_revision_per_section")]

    def __str__(self):
        return f"{self.section_id}@{self.revision}"


def evidence_upload_path(instance, filename):
    # The stored name never uses the uploaded name: it is kept in original_name for display only.
    return f"evidence/{instance.application_id}/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """An uploaded supporting document (佐证材料), served only through a permission-checked view."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    section = models.CharField(_("所属部分"), max_length=30)
    topic = models.CharField(_("佐证事项"), max_length=50, blank=True, help_text=_("如 申报条件4、SC24"))
    file = models.FileField(_("文件"), upload_to=evidence_upload_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # What tidu read from the file when it was uploaded: for a 自评估报告, {"c3mep": {level, score, report_number,
    # report_date}} or {"c3mep_error": "why not"} (tidu.applications.c3mep). Empty for other files.
    extracted = models.JSONField(_("读取的内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["section", "topic", "uploaded_at"]

    def __str__(self):
        return self.original_name


class Submission(models.Model):
    """A receipt (回执) for one submission: the frozen content, its hash, and who attested to it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="submissions")
    number = models.CharField(_("回执编号"), max_length=40, unique=True)
    idempotency_key = models.CharField(_("提交标识"), max_length=64, unique=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content_sha256 = models.CharField(_("内容摘要"), max_length=64)
    snapshot = models.JSONField(_("提交内容"))
    verdict = models.JSONField(_("提交时的判定"))
    attested_by_name = models.CharField(_("承诺人"), max_length=50)
    # The verdict judged at submission, summarised for lists, filters and dashboards (written once, with
    # ``verdict``, by the submit operation; see ``applications.content.verdict_summary``). Every page that
    # shows 系统判定 reads these, never a re-judgement.
    outcome = models.CharField(_("提交时判定结论"), max_length=20, blank=True, db_index=True)
    failing_clauses = models.JSONField(_("不符合的条款"), default=list, blank=True)
    review_clauses = models.JSONField(_("需人工复核的条款"), default=list, blank=True)
    missing_clauses = models.JSONField(_("待填写的条款"), default=list, blank=True)
    judged_at = models.DateTimeField(_("判定时间"), null=True, blank=True, db_index=True)
    policy_version = models.CharField(_("判定依据版本"), max_length=300, blank=True, db_index=True)

    class Meta:
        verbose_name = _("提交回执")
        verbose_name_plural = _("提交回执")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["application", "-submitted_at", "-id"], name="submission_latest_idx")]

    def __str__(self):
        return self.number

    @property
    def outcome_label(self) -> str:
        return gettext(Outcome(self.outcome).label) if self.outcome in Outcome._value2member_map_ else ""

    @property
    def counts(self) -> dict[str, int]:
        """{"fail": n, "review": n, "missing": n}: how many clauses had each result at submission."""
        return {"fail": len(self.failing_clauses or []), "review": len(self.review_clauses or []),
                "missing": len(self.missing_clauses or [])}


class ApplicationCount(models.Model):
    """How many applications of a call have one combination of what the list pages count them by: the stored unit,
    the status, whether a receipt exists (a withdrawn application never submitted is the enterprise's own business),
    whether it is on a 推荐名单 and whether that list was sent (报送). Intake, the city's all-applications list and the
    township dashboard read these rows instead of grouping every application of a call on each view.

    Kept by database triggers on the application, receipt (Submission), 推荐名单 entry and 推荐名单 tables
    (``review`` migration 0004), so that every path is counted, bulk ones included (bulk_create, QuerySet.update,
    COPY, cascades). A decrement only ever UPDATEs (a row is deleted when it reaches 0) and the columns are plain
    integers without a database foreign key: emptying the tables in any order (a test flush) writes nothing that
    outlives the applications. ``recount_applications`` rebuilds the table from the applications.
    """

    call_id = models.BigIntegerField()
    unit_id = models.BigIntegerField(default=0)  # the application's stored unit; 0 when it has none
    status = models.CharField(max_length=40)
    has_receipt = models.BooleanField()
    listed = models.BooleanField()  # on a 推荐名单
    sent = models.BooleanField()  # on a 推荐名单 whose status is sent (``sent_list_status``)
    n = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call_id", "unit_id", "status", "has_receipt", "listed", "sent"],
                                               name="one_application_count_per_key")]

    def __str__(self):
        return f"{self.call_id}/{self.unit_id}/{self.status}: {self.n}"
