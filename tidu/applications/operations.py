"""Every change to an application is one operation (see tidu.core.operations): check, lock, write, audit, announce.

* One operation per row of ``workflow.TRANSITIONS`` the reviewers (and the enterprise's 撤回) perform, registered
  as "application.<action>" — roles, sources and target come from the table, which stays data.
* The enterprise's own work: ``StartApplication`` (the draft and its sections), ``Submit``/``Resubmit``
  (receipt, idempotency key), ``SectionSave`` (with a kept revision), ``EvidenceUpload``/``EvidenceDelete``.

``services`` keeps the functions other apps call (``application_transition``, ``application_submit`` …) as thin
wrappers. Each operation writes exactly one AuditEntry; lifecycle moves publish ``ApplicationTransitioned``.
Evidence files move with their rows: an upload's file is removed again if its transaction fails, a deleted
row's file is removed only once the deletion has committed (``tidu.core.storage``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from tidu.applications import permissions, revision
from tidu.applications.content import (
    application_interchange,
    application_verdict,
    content_hash,
    first_submission,
    prefill_basic,
    registry_identity,
    section_is_editable,
    section_raw,
    submission_blockers,
    verdict_summary,
)
from tidu.applications.errors import ApplicationError, EvidenceRejected, SectionConflict
from tidu.applications.events import ApplicationTransitioned
from tidu.applications.models import Application, ApplicationSection, Evidence, SectionRevision, Submission
from tidu.applications.sections import (
    DERIVED_KPI_INPUTS,
    SECTION_KEYS,
    SECTIONS_BY_KEY,
    YES,
    derived_kpi_inputs,
)
from tidu.applications.selectors import is_delegate
from tidu.applications.workflow import (
    EDITABLE_STATES,
    RETURN_TO,
    TRANSITIONS,
    TRANSITIONS_BY_ACTION,
    State,
    Transition,
    state_label,
)
from tidu.core import clock
from tidu.core.dates import date_local
from tidu.core.operations import (
    ALLOWED,
    AuditRecord,
    Check,
    Operation,
    operation_class,
    refused,
    role_of,
)
from tidu.core.storage import compensated_writes, delete_on_commit, written
from tidu.core.text import control_character_paths
from tidu.enterprises.models import Enterprise
from tidu.policy.selectors import call_policy_for


class ApplicationOperation(Operation):
    """Shared by every operation on an application: its row is the one locked, its organisation the scope."""

    object_type = "application"
    model = Application
    error_class = ApplicationError

    def lock(self) -> Application:
        return (Application.objects.select_for_update(of=("self",))
                .select_related("enterprise__organisation", "call").get(pk=self.obj.pk))

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role == "enterprise":
            return permissions.is_own_enterprise(user, obj)
        if role == "township":
            return permissions.is_unit_officer(user, obj)
        return True


class DelegableOperation(ApplicationOperation):
    """Preparing an application: the enterprise, or an officer of its unit it lets prepare its applications
    (``enterprises.Delegation``: CiviForm's trusted intermediary). Such a change is recorded as made on the
    enterprise's behalf. Signing the 真实性承诺 and submitting stay the enterprise's own."""

    roles = ("enterprise", "township")

    def in_scope(self, user, obj) -> bool:
        if role_of(user) == "township":
            return is_delegate(user, obj)
        return super().in_scope(user, obj)

    def on_behalf(self, user, obj) -> dict:
        if role_of(user) != "township":
            return {}
        return {"on_behalf_of": obj.enterprise.name, "enterprise_id": obj.enterprise_id}


def _transition_event(obj: Application, entry, user, section_reasons=None) -> ApplicationTransitioned:
    return ApplicationTransitioned(
        application_id=obj.pk, action=entry.action, from_status=entry.from_status, to_status=entry.to_status,
        actor_id=getattr(user, "pk", None), audit_id=entry.pk, reason=entry.reason,
        section_reasons=dict(section_reasons or {}))


# --- the table's rows (reviewers, and the enterprise's 撤回) ----------------------------------------------

class TransitionOperation(ApplicationOperation):
    """One row of the lifecycle table. Parameters: ``reason``, ``section_reasons`` (退回补正 only), and for a
    return its 补正期限: ``due_date`` (a date; empty: the call's default) and ``due_reason`` (why it differs
    from the default), ``today`` (tests and demos)."""

    transition: ClassVar[Transition]

    def __init__(self, obj, **params):
        params["reason"] = (params.get("reason") or "").strip()
        params["section_reasons"] = {k: v.strip() for k, v in (params.get("section_reasons") or {}).items()
                                     if v and v.strip()}
        params["due_reason"] = (params.get("due_reason") or "").strip()
        super().__init__(obj, **params)

    def roles_for(self, obj) -> tuple[str, ...]:
        return self.transition.roles

    def state_check(self, obj) -> Check:
        if obj.status not in self.transition.sources:
            return refused(gettext("申报当前状态为“%(state)s”，不能“%(label)s”") % {
                    "state": gettext(state_label(obj.status)), "label": gettext(self.transition.label)})
        if obj.status == State.RETURNED and self.transition.lapsed_returns:
            # Closing a returned application is the returning reviewer's decision, once its 补正期限 has passed.
            if obj.return_to not in self.transition.lapsed_returns:
                return refused(gettext("该申报由其他审核环节退回补正，不能“%(label)s”") % {
                        "label": gettext(self.transition.label)})
            if obj.revision_due is None or not revision.has_lapsed(obj, call_policy_for(obj.call)):
                due = gettext("（%(date)s）") % {"date": date_local(obj.revision_due)} if obj.revision_due else ""
                return refused(gettext("申报正在补正，补正期限%(due)s届满前不能“%(label)s”") % {
                        "due": due, "label": gettext(self.transition.label)})
        return ALLOWED

    def _validate_due(self, obj) -> None:
        policy = call_policy_for(obj.call)
        today = self.params.get("today") or clock.business_today(policy=policy)
        default = revision.default_due(obj.call, policy, today)
        due = self.params.get("due_date") or default
        if due is None:
            raise ApplicationError(gettext("本批次未规定默认补正期限，请填写补正期限（企业须在该日北京时间24:00前重新提交）"))
        if due < today:
            raise ApplicationError(gettext("补正期限不能早于今天（%(date)s），填写了%(date2)s") % {
                    "date": date_local(today), "date2": date_local(due)})
        if default is not None and due != default and not self.params["due_reason"]:
            raise ApplicationError(gettext("补正期限与默认的%(date)s不同，请说明调整理由") % {"date": date_local(default)})
        self.due, self.due_default = due, default

    def validate(self, user, obj) -> None:
        reason, section_reasons = self.params["reason"], self.params["section_reasons"]
        if self.transition.is_return:
            unknown = set(section_reasons) - set(SECTION_KEYS)
            if unknown:
                raise ApplicationError(gettext("没有这些部分：%(items)s") % {"items": '、'.join(sorted(unknown))})
            if not section_reasons:
                raise ApplicationError(gettext("退回补正须至少指明一个需要修改的部分，并写明原因"))
        if self.transition.needs_reason and not (reason or section_reasons):
            raise ApplicationError(gettext("“%(label)s”须填写意见") % {"label": gettext(self.transition.label)})
        if self.transition.is_return:
            self._validate_due(obj)

    def perform(self, user, obj: Application) -> None:
        came_from = obj.status
        target = self.transition.target
        if target == RETURN_TO:
            target = obj.return_to or State.SUBMITTED
        obj.status = target
        fields = ["status", "updated_at"]
        if self.transition.is_return:
            obj.returned_sections = self.params["section_reasons"]
            obj.returned_by = user
            obj.return_to = came_from
            obj.revision_due = self.due
            fields += ["returned_sections", "returned_by", "return_to", "revision_due"]
        elif came_from == State.RETURNED:  # closed after its 补正期限 passed
            obj.returned_sections, obj.return_to, obj.revision_due = {}, "", None
            fields += ["returned_sections", "return_to", "revision_due"]
        obj.save(update_fields=fields)

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        detail = {}
        if self.transition.is_return:
            detail = {"section_reasons": self.params["section_reasons"], "revision_due": self.due.isoformat(),
                      "revision_due_default": self.due_default.isoformat() if self.due_default else ""}
            if self.params["due_reason"]:
                detail["revision_due_reason"] = self.params["due_reason"]
        return AuditRecord(object_type="application", object_id=obj.pk, application_id=obj.pk,
                           action=self.transition.action, from_status=before, to_status=obj.status,
                           reason=self.params["reason"], detail=detail, content_sha256=content_hash(obj))

    def events(self, user, obj, result, entry):
        self.entry = entry  # services.application_transition returns the audit row
        return [_transition_event(obj, entry, user, entry.section_reasons)]


def _class_name(action: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"_+", action))


# The enterprise's submit/resubmit are their own operations (receipt, attestation); every other row is generated.
TABLE_OPERATIONS: dict[str, type[TransitionOperation]] = {}
for _transition in TRANSITIONS:
    if _transition.action in ("submit", "resubmit"):
        continue
    TABLE_OPERATIONS[_transition.action] = operation_class(type(
        _class_name(_transition.action), (TransitionOperation,),
        {"name": f"application.{_transition.action}", "label": _transition.label, "transition": _transition,
         "__module__": __name__, "__doc__": f"{_transition.label}（table row “{_transition.action}”）."}))
Withdraw = TABLE_OPERATIONS["withdraw"]


# --- starting -------------------------------------------------------------------------------------------

@operation_class
class StartApplication(Operation):
    """Open the draft of an enterprise for a call and tier, with its sections (the basic one prefilled).

    The object is the enterprise (its row is locked so that two clicks open one draft); parameters ``call``
    and ``tier``. An existing draft is returned as it is, without a second audit row.
    """

    name = "application.start"
    label = gettext_noop("新建申报")
    object_type = "application"
    model = Enterprise
    roles = ("enterprise", "township")  # a township officer only for an enterprise that delegated it (in_scope)
    error_class = ApplicationError

    def in_scope(self, user, obj) -> bool:
        return permissions.can_start_application(user, obj)

    def _tier(self):
        call = self.params["call"]
        policy = call_policy_for(call)
        tier_def = policy.find_tier(self.params["tier"])
        if tier_def is None or tier_def["id"] != policy.call_tier["id"]:
            raise ApplicationError(gettext("本批次只受理%(name)s申报，没有“%(tier)s”等级") % {
                    "name": policy.call_tier['name'], "tier": self.params['tier']})
        return tier_def["id"]

    def validate(self, user, obj) -> None:
        self.params["tier_id"] = self._tier()

    def execute(self, user):
        with transaction.atomic():
            enterprise = self.lock()
            existing = Application.objects.filter(enterprise=enterprise, call=self.params["call"],
                                                  tier=self._tier()).first()
            if existing is not None:
                verdict = self._check(user, enterprise)
                if not verdict:
                    raise PermissionDenied(verdict.reason)
                return existing
            return super().execute(user)

    def state_of(self, obj) -> str:
        return ""

    def perform(self, user, obj: Enterprise) -> Application:
        application = Application.objects.create(enterprise=obj, call=self.params["call"],
                                                 tier=self.params["tier_id"], unit_id=obj.organisation.parent_id)
        ApplicationSection.objects.bulk_create(
            ApplicationSection(application=application, key=key, data=prefill_basic(obj) if key == "basic" else {})
            for key in SECTION_KEYS)
        return application

    def audit(self, user, obj, result: Application, before: str) -> AuditRecord:
        detail = {"on_behalf_of": obj.name, "enterprise_id": obj.pk} if role_of(user) == "township" else {}
        return AuditRecord(object_type="application", object_id=result.pk, application_id=result.pk,
                           action="create", to_status=result.status, detail=detail)


# --- submitting -------------------------------------------------------------------------------------------

class _SubmitBase(ApplicationOperation):
    """The enterprise submits: blockers checked, a receipt with the frozen content, the state moves on.

    Parameters: ``idempotency_key`` (the same key always yields the same single receipt), ``now``.
    """

    roles = ("enterprise",)
    action: ClassVar[str] = ""
    source: ClassVar[str] = ""

    @property
    def transition(self) -> Transition:
        return TRANSITIONS_BY_ACTION[self.action]

    def state_check(self, obj) -> Check:
        if obj.status != self.source:
            return refused(gettext("申报当前状态为“%(state)s”，不能提交") % {"state": gettext(state_label(obj.status))})
        return ALLOWED

    def execute(self, user):
        key = self.params.get("idempotency_key", "")
        with transaction.atomic():
            # A retry that raced the first request finds the receipt once the lock is released.
            Application.objects.select_for_update().filter(pk=self.obj.pk).first()
            existing = Submission.objects.filter(idempotency_key=key).first()
            if existing is not None:
                return existing
            return super().execute(user)

    def validate(self, user, obj) -> None:
        self.now = self.params.get("now") or clock.now()
        self.policy = call_policy_for(obj.call)
        self.identity_synced = sync_registry_identity(obj, user)
        blockers = submission_blockers(obj, self.policy, self.now)
        if blockers:
            raise ApplicationError(gettext("暂不能提交："), blockers)

    def perform(self, user, obj: Application) -> Submission:
        now, policy, key = self.now, self.policy, self.params["idempotency_key"]
        self.digest = digest = content_hash(obj)
        attestation = obj.sections.get(key="attestation").data
        # 申报时间 is judged at the 申报's first submission: a resubmission after 退回补正 (perhaps after the window,
        # within its 补正期限) continues it. The receipt keeps its own moment.
        first = first_submission(obj) if self.action == "resubmit" else None
        judged_at = first.submitted_at if first is not None else now
        verdict = application_verdict(obj, policy, submitted_at=judged_at)
        submission = Submission.objects.create(
            application=obj, number=f"pending-{key}", idempotency_key=key,
            submitted_at=now, submitted_by=user, content_sha256=digest,
            snapshot={"sections": section_raw(obj),
                      "interchange": application_interchange(obj, policy, judged_at),
                      "evidence": list(obj.evidence.values("id", "original_name", "sha256", "topic")),
                      "policy_versions": policy.versions},
            verdict=verdict.as_dict(), attested_by_name=attestation.get("signer_name", ""),
            **verdict_summary(verdict, now))
        submission.number = f"{policy.code.upper()}-{submission.pk:06d}"
        submission.save(update_fields=["number"])
        target = self.transition.target
        if target == RETURN_TO:
            target = obj.return_to or State.SUBMITTED
        obj.status = target
        obj.returned_sections = {}
        obj.return_to = ""
        obj.revision_due = None
        obj.save(update_fields=["status", "returned_sections", "return_to", "revision_due", "updated_at"])
        return submission

    def audit(self, user, obj, result: Submission, before: str) -> AuditRecord:
        return AuditRecord(object_type="application", object_id=obj.pk, application_id=obj.pk, action=self.action,
                           from_status=before, to_status=obj.status, content_sha256=self.digest,
                           detail={"receipt": result.number,
                                   **({"identity_from_registry": self.identity_synced} if self.identity_synced
                                      else {})})

    def events(self, user, obj, result, entry):
        return [_transition_event(obj, entry, user)]


@operation_class
class Submit(_SubmitBase):
    name = "application.submit"
    label = gettext_noop("提交申报")
    action = "submit"
    source = State.DRAFT


@operation_class
class Resubmit(_SubmitBase):
    name = "application.resubmit"
    label = gettext_noop("补正后重新提交")
    action = "resubmit"
    source = State.RETURNED


# --- the 补正期限 of a returned application -----------------------------------------------------------------

@operation_class
class RevisionDueChange(ApplicationOperation):
    """Change the 补正期限 of a returned application (extend it, or correct it), with a reason.

    The reviewing side that returned it decides: the township for a return from 待乡镇审核, the city for its own
    returns. Parameters: ``due_date`` (a date, not before today), ``reason``, ``today`` (tests and demos).
    """

    name = "application.revision_due_change"
    label = gettext_noop("调整补正期限")
    roles = ("township", "city")

    def roles_for(self, obj) -> tuple[str, ...]:
        if obj.status == State.RETURNED and obj.return_to:
            return TRANSITIONS_BY_ACTION["township_return" if obj.return_to == State.SUBMITTED
                                         else "city_return"].roles
        return self.roles

    def state_check(self, obj) -> Check:
        if obj.status != State.RETURNED:
            return refused(gettext("申报当前状态为“%(state)s”，没有补正期限可调整") % {
                    "state": gettext(state_label(obj.status))})
        return ALLOWED

    def validate(self, user, obj) -> None:
        policy = call_policy_for(obj.call)
        today = self.params.get("today") or clock.business_today(policy=policy)
        due = self.params.get("due_date")
        self.params["reason"] = (self.params.get("reason") or "").strip()
        if due is None:
            raise ApplicationError(gettext("请填写新的补正期限"))
        if due < today:
            raise ApplicationError(gettext("补正期限不能早于今天（%(date)s），填写了%(date2)s") % {
                    "date": date_local(today), "date2": date_local(due)})
        if due == obj.revision_due:
            raise ApplicationError(gettext("补正期限已是%(date)s，没有变化") % {"date": date_local(due)})
        if not self.params["reason"]:
            raise ApplicationError(gettext("调整补正期限须说明理由"))
        self.before_due = obj.revision_due

    def perform(self, user, obj: Application) -> None:
        obj.revision_due = self.params["due_date"]
        obj.save(update_fields=["revision_due", "updated_at"])

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="application", object_id=obj.pk, application_id=obj.pk,
                           action="revision_due_change", from_status=before, to_status=obj.status,
                           reason=self.params["reason"],
                           detail={"revision_due_from": self.before_due.isoformat() if self.before_due else "",
                                   "revision_due": obj.revision_due.isoformat()})


# --- editing a section ------------------------------------------------------------------------------------

def sync_registry_identity(application: Application, user) -> dict[str, list[str]]:
    """Before freezing a submission: the identity fields of 基本信息 are the enterprise record's (a draft saved
    before identity came from the registry, or a registration corrected since, is brought in line as one
    more section revision). Returns {field: [before, after]} of what changed."""
    section = ApplicationSection.objects.select_for_update().get(application=application, key="basic")
    identity = registry_identity(application.enterprise)
    data = section.data if isinstance(section.data, dict) else {}
    changed = {field: [data.get(field, ""), value] for field, value in identity.items() if data.get(field) != value}
    if changed:
        section.data = {**data, **identity}
        section.revision += 1
        section.updated_by = user
        section.save()
        SectionRevision.objects.create(section=section, revision=section.revision, data=section.data,
                                       changed=sorted(changed), application_status=application.status,
                                       saved_by=user, saved_at=section.updated_at)
    return changed


def changed_keys(old: dict, new: dict) -> list[str]:
    old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))


@operation_class
class SectionSave(DelegableOperation):
    """Store what the enterprise typed in one section and keep the revision (who, when, which fields).

    Parameters: ``key``, ``data``, ``base_revision``, ``editor_token``, and ``imported_from`` (an Evidence of
    this application: the 自评估报告 whose values the enterprise confirmed, named in the audit row). Without
    ``key`` (a button asking whether the enterprise may edit at all) the check is on the application's state alone.
    """

    name = "application.section_save"
    text_checked_in_validate = ("data",)
    label = gettext_noop("保存申报书")
    object_type = "application_section"

    def rules_check(self, user, obj) -> Check:
        if self.params.get("key") == "attestation" and role_of(user) == "township":
            return refused(_("真实性承诺须由申报企业本身签署，受托经办人不能代签"))
        return ALLOWED

    def state_check(self, obj) -> Check:
        key = self.params.get("key")
        if key is None:
            if obj.status not in EDITABLE_STATES:
                return refused(gettext("申报当前状态为“%(state)s”，不能修改") % {
                        "state": gettext(state_label(obj.status))})
            return ALLOWED
        if not section_is_editable(obj, key):
            if obj.status == State.RETURNED:
                return refused(gettext("“%(title)s”不在退回补正范围内，不能修改") % {"title": SECTIONS_BY_KEY[key].title})
            return refused(gettext("申报当前状态为“%(state)s”，不能修改") % {"state": gettext(state_label(obj.status))})
        return ALLOWED

    def validate(self, user, obj) -> None:
        spec = SECTIONS_BY_KEY[self.params["key"]]
        if spec.key == "basic":
            # Identity comes from the registry: whatever was posted for these fields is replaced.
            self.params["data"] = {**self.params["data"], **registry_identity(obj.enterprise)}
        places = []
        for path in control_character_paths(self.params["data"]):
            field = next((f for f in spec.fields if path and f.name == path[0]), None)
            if field is None:
                places.append(f"“{spec.title}”")
            elif len(path) >= 3 and isinstance(path[1], int):
                column = next((c for c in field.columns if c.name == path[2]), None)
                places.append(f"“{field.label}”第 {path[1] + 1} 行的“{column.label if column else path[2]}”")
            else:
                places.append(f"“{field.label}”")
        if places:
            raise ApplicationError(gettext("以下内容含有不可见的控制字符（多来自复制粘贴），请删除后再保存；已填写的内容仍保留在表单中："), list(dict.fromkeys(places)))
        source = self.params.get("imported_from")
        if source is not None and source.application_id != obj.pk:
            raise ApplicationError(gettext("导入所依据的自评估报告不属于本申报"))

    def perform(self, user, obj: Application) -> ApplicationSection:
        key, data = self.params["key"], self.params["data"]
        editor_token = (self.params.get("editor_token") or "")[:64]
        section = ApplicationSection.objects.select_for_update().get(application=obj, key=key)
        own_newer_write = bool(editor_token) and section.editor_token == editor_token \
            and section.updated_by_id == user.pk
        if section.revision != self.params["base_revision"] and not own_newer_write:
            raise SectionConflict(section)
        if key == "attestation":
            data = {**data}
            if data.get("confirmed") == YES:
                data["confirmed_by"] = user.username
                data["confirmed_at"] = timezone.now().isoformat()
        self.changed = changed_keys(section.data, data)
        if not self.changed and section.data == data:
            self.unchanged = True  # e.g. the save button right after the tab's own autosave: no empty revision
            return section
        section.data = data
        section.revision += 1
        section.updated_by = user
        section.editor_token = editor_token
        section.save()
        SectionRevision.objects.create(section=section, revision=section.revision, data=data, changed=self.changed,
                                       application_status=obj.status, saved_by=user, saved_at=section.updated_at,
                                       editor_token=editor_token)
        if key == "scenarios":
            self._rederive_kpis(obj, data)
        Application.objects.filter(pk=obj.pk).update(updated_at=timezone.now())
        return section

    def _rederive_kpis(self, obj: Application, scenarios: dict[str, Any]) -> None:
        """The KPI inputs 场景建设 answers (K03: how many scenarios, how many with AI) follow it at once, so the
        关键绩效指标 step, the verdict and the 申报书 never show the counts of an older 场景建设.

        The KPI section's revision is left as it is: these inputs are never typed (the KPI page shows them
        read-only and takes them from 场景建设 again when saved), so a KPI page open elsewhere must not be
        told of a conflict; this save's audit entry records what was re-derived."""
        kpis = ApplicationSection.objects.select_for_update().filter(application=obj, key="kpis").first()
        if kpis is None:
            return
        kept = {kpi_id: value for kpi_id, value in (kpis.data or {}).items() if kpi_id not in DERIVED_KPI_INPUTS}
        data = dict(sorted({**kept, **derived_kpi_inputs(scenarios, call_policy_for(obj.call))}.items()))
        if data == (kpis.data or {}):
            return
        self.derived = {"key": "kpis", "changed": changed_keys(kpis.data or {}, data)}
        ApplicationSection.objects.filter(pk=kpis.pk).update(data=data)

    def audit(self, user, obj, result: ApplicationSection, before: str) -> AuditRecord:
        detail = {"key": result.key, "revision": result.revision, "changed": self.changed}
        if getattr(self, "derived", None):
            detail["derived"] = self.derived  # the KPI inputs re-derived from this 场景建设
        return AuditRecord(object_type="application_section", object_id=result.pk, application_id=obj.pk,
                           action=self.name, from_status=before, to_status=obj.status,
                           detail={**detail, **self._source_detail(), **self.on_behalf(user, obj)})

    def _source_detail(self) -> dict:
        source = self.params.get("imported_from")
        if source is None:
            return {}
        return {"imported_from": {"evidence": source.pk, "name": source.original_name, "sha256": source.sha256}}


# --- evidence -----------------------------------------------------------------------------------------------

class _EvidenceOperation(DelegableOperation):
    object_type = "evidence"
    error_class = EvidenceRejected

    def section_key(self) -> str:
        raise NotImplementedError

    def state_check(self, obj) -> Check:
        key = self.section_key()
        if key is None:  # a button asking whether evidence may change at all
            return ALLOWED if obj.status in EDITABLE_STATES else refused(
                gettext("申报当前状态为“%(state)s”，不能修改佐证材料") % {"state": gettext(state_label(obj.status))})
        if key not in SECTIONS_BY_KEY:
            return refused(gettext("佐证材料所属部分无效"))
        if not section_is_editable(obj, key):
            return refused(gettext("“%(title)s”当前不能修改，%(refusal)s") % {
                    "title": SECTIONS_BY_KEY[key].title, "refusal": gettext(self.refusal)})
        return ALLOWED

    refusal: ClassVar[str] = ""


@operation_class
class EvidenceUpload(_EvidenceOperation):
    """Attach a checked file. The application row is locked and its state re-checked before the file is kept:
    an upload racing the submission either lands before the receipt (and is in it) or is refused. The file
    is written inside the transaction and removed again if anything fails before commit.

    Parameters: ``section``, ``topic``, ``upload`` and ``checked`` (name, content type, sha256 from
    ``tidu.core.uploads.check_upload`` with ``evidence.EVIDENCE_RULES``), ``extracted`` (what was read from a
    自评估报告, ``c3mep``; kept on the row and in the audit detail).
    """

    name = "application.evidence_upload"
    label = gettext_noop("上传佐证材料")
    refusal = gettext_noop("不能上传佐证材料")

    def section_key(self):
        return self.params.get("section")

    def execute(self, user):
        with compensated_writes():
            return super().execute(user)

    def perform(self, user, obj: Application) -> Evidence:
        upload, checked = self.params["upload"], self.params["checked"]
        evidence = Evidence(application=obj, section=self.params["section"], topic=self.params.get("topic", "")[:50],
                            original_name=checked.name[:255], content_type=checked.content_type, size=upload.size,
                            sha256=checked.sha256, uploaded_by=user, extracted=self.params.get("extracted") or {})
        upload.seek(0)
        evidence.file.save("upload", upload, save=False)
        written(evidence.file.storage, evidence.file.name)
        evidence.save()
        return evidence

    def audit(self, user, obj, result: Evidence, before: str) -> AuditRecord:
        return AuditRecord(object_type="evidence", object_id=result.pk, application_id=obj.pk, action=self.name,
                           from_status=before, to_status=obj.status, content_sha256=result.sha256,
                           detail={"section": result.section, "topic": result.topic, "name": result.original_name,
                                   "size": result.size, **({"extracted": result.extracted} if result.extracted else {}),
                                   **self.on_behalf(user, obj)})


@operation_class
class EvidenceDelete(_EvidenceOperation):
    """Remove an evidence file. The object is the application; parameter ``evidence``. The row goes first; the
    file is deleted only once that has committed, so a database error never leaves a row without its file."""

    name = "application.evidence_delete"
    label = gettext_noop("删除佐证材料")
    refusal = gettext_noop("不能删除佐证材料")

    def section_key(self):
        evidence = self.params.get("evidence")
        return evidence.section if evidence is not None else None

    def perform(self, user, obj: Application) -> dict[str, Any]:
        evidence = Evidence.objects.select_for_update().filter(pk=self.params["evidence"].pk, application=obj).first()
        if evidence is None:
            raise EvidenceRejected("该佐证材料已被删除")
        self.gone = {"id": evidence.pk, "section": evidence.section, "topic": evidence.topic,
                     "name": evidence.original_name, "sha256": evidence.sha256, "file": evidence.file.name}
        storage = evidence.file.storage
        evidence.delete()
        delete_on_commit(storage, self.gone["file"])
        return self.gone

    def audit(self, user, obj, result: dict, before: str) -> AuditRecord:
        return AuditRecord(object_type="evidence", object_id=result["id"], application_id=obj.pk, action=self.name,
                           from_status=before, to_status=obj.status, content_sha256=result["sha256"],
                           detail={k: result[k] for k in ("section", "topic", "name")})
