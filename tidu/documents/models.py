from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.applications.models import Application
from tidu.core.jobs import BackgroundJob
from tidu.policy.models import Call


def _document_path(instance, filename):
    return f"documents/{instance.application_id}/{instance.kind}/{instance.content_hash[:16]}-{filename}"


def _job_path(instance, filename):
    return f"documents/jobs/{instance.pk or 'new'}/{filename}"


def _template_path(instance, filename):
    return f"documents/templates/{instance.call_id}/{instance.kind}/{instance.sha256[:16]}-{filename}"


def _preview_path(instance, filename):
    return f"documents/templates/{instance.call_id}/{instance.kind}/preview-{instance.sha256[:16]}-{filename}"


class DossierDocument(models.Model):
    """A rendered document of one application, cached: rebuilt only when its inputs change.

    ``content_hash`` is the cache key: the dossier model, every evidence file's hash, the renderer
    version and (for template-based documents) the template's hash.
    """

    class Kind(models.TextChoices):
        APPLICATION_PDF = "application_pdf", _("申报书（PDF）")
        APPLICATION_DOCX = "application_docx", _("申报书（Word）")
        SUMMARY_ROW_XLSX = "summary_row_xlsx", _("推荐汇总表本企业行（Excel）")
        SUMMARY_ROW_PDF = "summary_row_pdf", _("推荐汇总表本企业行（PDF）")
        BOUND_PDF = "bound_pdf", _("装订版申报材料（PDF）")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents",
                                    verbose_name=_("申报"))
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    content_hash = models.CharField(_("输入摘要"), max_length=64)
    file = models.FileField(_("文件"), upload_to=_document_path, max_length=300)
    page_count = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    verification_code = models.CharField(_("校验码"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报文书")
        verbose_name_plural = _("申报文书")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["application", "kind", "content_hash"],
                                               name="unique_document_per_inputs")]

    def __str__(self):
        return f"{self.application_id}:{self.kind}:{self.content_hash[:8]}"


class VerificationCode(models.Model):
    """A 校验码 that has been printed: which application and which submitted content it stands for."""

    code = models.CharField(_("校验码"), max_length=20, unique=True)
    # None for a sheet about no single application (a review session's 专家签到表); then ``call`` says which call.
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="verification_codes",
                                    null=True, blank=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+", null=True, blank=True,
                             verbose_name=_("申报批次"))
    content_sha256 = models.CharField(_("内容摘要"), max_length=64)
    # Empty for the dossier; a printed review sheet's title (形式审查表, 专家评分表…) otherwise.
    document_title = models.CharField(_("文书"), max_length=50, blank=True, default="")
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("校验码")
        verbose_name_plural = _("校验码")

    def __str__(self):
        return self.code


class DocumentJob(BackgroundJob):
    """Long document work (a full 汇总表 export, a bound dossier) run as a background task (tidu.core.jobs)."""

    class Kind(models.TextChoices):
        BOUND_DOSSIER = "bound_dossier", _("装订版申报材料")
        SUMMARY_EXPORT = "summary_export", _("推荐汇总表")

    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="document_jobs")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.CASCADE, related_name="document_jobs")
    result = models.FileField(_("结果文件"), upload_to=_job_path, max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("文书生成任务")
        verbose_name_plural = _("文书生成任务")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()}#{self.pk}"


class DocumentTemplate(models.Model):
    """A template uploaded by the city bureau for one call; the newest active one replaces the built-in."""

    class Kind(models.TextChoices):
        APPLICATION_DOCX = "application_docx", _("申报书模板（Word，docxtpl 占位符）")
        SUMMARY_XLSX = "summary_xlsx", _("推荐汇总表模板（Excel）")
        RECOGNITION_NOTICE_DOCX = "recognition_notice_docx", _("认定通知模板（Word，docxtpl 占位符）")
        PUBLICITY_NOTICE_DOCX = "publicity_notice_docx", _("公示通知模板（Word，docxtpl 占位符）")
        FORMAL_REVIEW_SHEET_DOCX = "formal_review_sheet_docx", _("形式审查表模板（Word，docxtpl 占位符）")
        EXPERT_SCORE_SHEET_DOCX = "expert_score_sheet_docx", _("专家评分表模板（Word，docxtpl 占位符）")
        EXPERT_PANEL_SHEET_DOCX = "expert_panel_sheet_docx", _("专家组意见表模板（Word，docxtpl 占位符）")
        EXPERT_SIGN_IN_SHEET_DOCX = "expert_sign_in_sheet_docx", _("专家签到表模板（Word，docxtpl 占位符）")
        ONSITE_SHEET_DOCX = "onsite_sheet_docx", _("现场核查表模板（Word，docxtpl 占位符）")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="document_templates",
                             verbose_name=_("申报批次"))
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    file = models.FileField(_("模板文件"), upload_to=_template_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    placeholders = models.JSONField(_("使用的占位符"), default=list, blank=True)
    preview = models.FileField(_("预览"), upload_to=_preview_path, max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["-uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["call", "kind"], condition=models.Q(is_active=True),
                                               name="one_active_template_per_call_kind")]

    def __str__(self):
        return f"{self.call} · {self.get_kind_display()}"


class SummaryFacts(models.Model):
    """What a 汇总表 row takes from one frozen submission (回执), worked out once from its snapshot — when it is
    frozen (``documents.summary_facts`` subscriber of the submit and resubmit transitions), by the migration that
    introduced it for older receipts, or by the export for a receipt that has none yet — so that the export reads
    short columns instead of decoding every snapshot. The rest of the row is read live, as before: the registered
    enterprise (name, credit code, industry), its unit, the application's tier, the receipt number and the
    推荐名单 row. ``policy_sha256`` is the call policy the facts were worked out with; facts of another policy are
    worked out again."""

    submission = models.OneToOneField("applications.Submission", on_delete=models.CASCADE, primary_key=True,
                                      related_name="summary_facts", verbose_name=_("提交回执"))
    policy_sha256 = models.CharField(_("策略摘要"), max_length=64)
    factory_name = models.TextField(_("智能工厂名称"), blank=True)
    maturity_level = models.TextField(_("成熟度等级"), blank=True)
    maturity_score = models.FloatField(_("成熟度得分"), null=True, blank=True)
    covered_links = models.TextField(_("覆盖环节"), blank=True)
    scenario_count = models.PositiveIntegerField(_("场景数"), default=0)
    ai_scenario_count = models.PositiveIntegerField(_("人工智能场景数"), default=0)
    contact_name = models.TextField(_("联系人"), blank=True)
    contact_phone = models.TextField(_("联系电话"), blank=True)

    class Meta:
        verbose_name = _("汇总表事实")
        verbose_name_plural = _("汇总表事实")

    def __str__(self):
        return str(self.submission_id)
