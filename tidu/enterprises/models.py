from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidu.accounts.models import Organisation
from tidu.enterprises.industries import describe


class Enterprise(models.Model):
    """An applicant (申报主体). Its organisation node sits under the township unit it belongs to."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待乡镇确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未通过确认")

    class LegalStatus(models.TextChoices):
        LEGAL_PERSON = "legal_person", _("独立法人")
        BRANCH = "branch", _("法人的分支机构")

    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="enterprise",
                                        verbose_name=_("组织"))
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_status = models.CharField(_("法人类型"), max_length=20, choices=LegalStatus.choices,
                                    default=LegalStatus.LEGAL_PERSON)
    industry_code = models.CharField(_("所属行业（GB/T 4754-2017）"), max_length=5)
    # No default: the region comes from the registration (prefilled with the call's region, from its policy pack).
    registered_region = models.CharField(_("登记注册地"), max_length=100)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    status_note = models.CharField(_("确认意见"), max_length=500, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("确认人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # The township unit (the organisation node's parent), stored so that a unit's enterprises are read by name on
    # this table's own index (the township dashboard's page) instead of through the organisation. Kept equal to
    # ``organisation.parent`` by database triggers (migration 0006), whatever path writes either table.
    stored_unit = models.ForeignKey(Organisation, null=True, blank=True, editable=False, on_delete=models.DO_NOTHING,
                                    db_index=False,  # enterprise_unit_name_idx starts with it
                                    db_constraint=False, related_name="+", verbose_name=_("所属乡镇"))

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        indexes = [models.Index(fields=["stored_unit", "name", "id"], name="enterprise_unit_name_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and self.organisation_id is not None:  # the trigger sets the same; the object too
            self.stored_unit_id = self.organisation.parent_id
        super().save(*args, **kwargs)

    @property
    def unit(self) -> Organisation:
        """The township unit (乡镇、办事处、农场、开发区) that recommends this enterprise."""
        return self.organisation.parent

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_branch(self) -> bool:
        return self.legal_status == self.LegalStatus.BRANCH

    @property
    def industry_display(self) -> str:
        """The industry code with its GB/T 4754-2017 门类 and 大类 names."""
        return describe(self.industry_code)


class RegistrationChange(models.Model):
    """A change of the enterprise's identity (name, credit code, region, industry) asked by the enterprise and
    decided by its township. The 申报书 takes its identity from the registry, so this — or the administrator's
    correction — is the only way the identity on a submission changes; each step is one audit row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待乡镇审核")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("未同意")

    FIELDS = ("name", "credit_code", "registered_region", "industry_code")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="registration_changes",
                                   verbose_name=_("企业"))
    changes = models.JSONField(_("变更内容"), default=dict)  # {field: [before, after]}
    reason = models.TextField(_("变更理由"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("审核人"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("登记信息变更")
        verbose_name_plural = _("登记信息变更")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enterprise.name} · {self.get_status_display()}"

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) for display."""
        return [(str(Enterprise._meta.get_field(field).verbose_name), before, after)
                for field, (before, after) in self.changes.items()]


class EnterpriseImport(models.Model):
    """One uploaded registry file (Excel/CSV) of enterprises: checked row by row as a job, shown as a preview, then
    imported on confirmation as a job in chunks (resumable: only pending rows are done). A township imports into
    its own unit; the city names each row's unit."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("正在校验")
        CHECKED = "checked", _("待确认导入")
        REFUSED = "refused", _("文件无法导入")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("导入完成")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("上传人"))
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("导入到单位"))
    with_unit = models.BooleanField(_("按行指定所属单位"), default=False)
    file = models.FileField(_("文件"), upload_to="enterprise-imports/%Y/%m/", max_length=300)
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.CHECKING)
    file_error = models.TextField(_("文件问题"), blank=True)
    site_url = models.CharField(_("平台地址"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("行数"), default=0)
    valid = models.PositiveIntegerField(_("可导入"), default=0)
    invalid = models.PositiveIntegerField(_("有错误"), default=0)
    existing = models.PositiveIntegerField(_("已登记（跳过）"), default=0)
    imported = models.PositiveIntegerField(_("已导入"), default=0)
    skipped = models.PositiveIntegerField(_("导入时跳过"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    checked_at = models.DateTimeField(_("校验完成时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("确认人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("企业批量导入")
        verbose_name_plural = _("企业批量导入")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def done_rows(self) -> int:
        return self.imported + self.skipped


class EnterpriseImportRow(models.Model):
    """One data row of an import file, with the row number the user sees in Excel, its problems (each with its
    column) and, once imported, its enterprise."""

    class Outcome(models.TextChoices):
        INVALID = "invalid", _("有错误，不导入")
        EXISTING = "existing", _("已登记，跳过")
        PENDING = "pending", _("待导入")
        IMPORTED = "imported", _("已导入")
        SKIPPED = "skipped", _("导入时跳过")

    batch = models.ForeignKey(EnterpriseImport, on_delete=models.CASCADE, related_name="rows",
                              verbose_name=_("批量导入"))
    number = models.PositiveIntegerField(_("行号"))
    values = models.JSONField(_("内容"), default=dict)
    errors = models.JSONField(_("问题"), default=list, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("企业"))
    done_at = models.DateTimeField(_("办理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量导入逐行结果")
        verbose_name_plural = _("批量导入逐行结果")
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="enterprise_import_row_unique")]
        indexes = [models.Index(fields=["batch", "outcome", "number"], name="enterprise_import_outcome")]

    def __str__(self):
        return f"{self.batch_id}#{self.number}"


class Delegation(models.Model):
    """The enterprise lets an officer of its own unit (乡镇、办事处、农场、开发区) prepare its applications on its behalf
    (CiviForm's "trusted intermediary"). The officer may fill sections and upload evidence; the enterprise itself
    signs the 真实性承诺 and submits. Revoked, never deleted: who could act for whom, and when, stays on record."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="delegations",
                                   verbose_name=_("企业"))
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations",
                                verbose_name=_("受托经办人"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("委托人"))
    granted_at = models.DateTimeField(_("委托时间"), auto_now_add=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("撤销人"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("委托代为填报")
        verbose_name_plural = _("委托代为填报")
        ordering = ["-granted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "grantee"], condition=models.Q(revoked_at=None),
                                               name="delegation_one_active")]

    def __str__(self):
        return f"{self.enterprise} → {self.grantee}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
