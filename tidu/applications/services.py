"""Business rules for applications: drafts, autosave with conflict detection, submission, 退回补正.

Views, the API and commands call these functions; none of them decides a rule on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from tidu.applications import permissions
from tidu.applications.events import ApplicationTransitioned
from tidu.applications.models import Application, ApplicationSection, Evidence, Submission
from tidu.applications.sections import (
    SECTION_KEYS,
    SECTIONS,
    SECTIONS_BY_KEY,
    YES,
    CleanResult,
    clean_section,
)
from tidu.applications.workflow import (
    EDITABLE_STATES,
    ENTERPRISE_ACTIONS,
    RETURN_TO,
    TRANSITIONS_BY_ACTION,
    State,
    state_label,
)
from tidu.core import clock
from tidu.core.dates import beijing_text, date_zh
from tidu.core.errors import TiduError
from tidu.core.events import publish
from tidu.core.hashing import sha256_of_json
from tidu.core.models import AuditEntry
from tidu.core.operations import AuditRecord, write_audit
from tidu.eligibility.engine import evaluate
from tidu.eligibility.findings import Verdict
from tidu.eligibility.interchange import FORMAT
from tidu.enterprises.models import Enterprise
from tidu.notifications.services import notify
from tidu.policy.call_policy import CallPolicy
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

# Extension points for other domains (connected in their AppConfig.ready()):
# * ``transition_requested`` is sent by application_transition inside its transaction, with the application row
#   locked and the table's own checks passed, just before the change is written. A receiver may raise
#   ApplicationError to refuse it (tidu.review: a recommendation on a signed/sent 推荐名单 cannot be withdrawn),
#   or make a related change that must happen atomically with it. Arguments: application, transition, user.
# * ``transition_done`` is sent after every change of state, submit and resubmit included, inside the same
#   transaction; receivers tell people about it with notify(), which delivers on commit (tidu.notifications:
#   a submission notifies the unit's township officers). Arguments: application, transition, user, event.
transition_requested = Signal()
transition_done = Signal()


class ApplicationError(TiduError):
    """A refused operation; ``message`` is shown to the user as it is (Chinese)."""


class SectionConflict(ApplicationError):
    """The section was saved elsewhere (another tab or person) after this form was loaded."""

    def __init__(self, section: ApplicationSection):
        self.section = section
        who = section.updated_by.display_name if section.updated_by else "他人"
        when = beijing_text(section.updated_at)
        super().__init__(f"“{SECTIONS_BY_KEY[section.key].title}”已于 {when} 由 {who} 在其他窗口保存过。"
                         "为避免覆盖，本次内容未保存；请核对下方最新内容后再保存（您填写的内容仍保留在表单中）。")


# --- starting and reading ------------------------------------------------------------------------

def _prefill_basic(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "registered_region": enterprise.registered_region,
        "legal_status": enterprise.legal_status,
        "industry_code": enterprise.industry_code,
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
    }


@transaction.atomic
def application_start(*, enterprise: Enterprise, call: Call, tier: str, user) -> Application:
    """Open (or return the existing) draft of ``enterprise`` for ``call`` and ``tier``."""
    if not permissions.can_start_application(user, enterprise):
        raise PermissionDenied
    policy = call_policy_for(call)
    tier_def = policy.find_tier(tier)
    if tier_def is None or tier_def["id"] != policy.call_tier["id"]:
        raise ApplicationError(f"本批次只受理{policy.call_tier['name']}申报，没有“{tier}”等级")
    application, created = Application.objects.get_or_create(enterprise=enterprise, call=call, tier=tier_def["id"])
    if created:
        ApplicationSection.objects.bulk_create(
            ApplicationSection(application=application, key=key,
                               data=_prefill_basic(enterprise) if key == "basic" else {})
            for key in SECTION_KEYS)
        write_audit(user, AuditRecord(object_type="application", object_id=application.pk,
                                      application_id=application.pk, action="create", to_status=State.DRAFT))
    return application


def section_raw(application: Application) -> dict[str, dict[str, Any]]:
    return {section.key: section.data for section in application.sections.all()}


@dataclass
class SectionProgress:
    key: str
    title: str
    clean: CleanResult
    revision: int
    updated_at: dt.datetime | None
    editable: bool
    returned_reason: str | None
    evidence_missing: list[str]

    @property
    def complete(self) -> bool:
        return self.clean.complete and not self.evidence_missing


def application_progress(application: Application, policy: CallPolicy | None = None,
                         user=None) -> list[SectionProgress]:
    policy = policy or call_policy_for(application.call)
    rows = {section.key: section for section in application.sections.select_related("updated_by")}
    evidence_topics = set(application.evidence.values_list("topic", flat=True))
    progress = []
    for spec in SECTIONS:
        row = rows.get(spec.key)
        clean = clean_section(spec, row.data if row else {}, policy)
        evidence_missing = []
        if spec.key == "maturity" and "maturity_report" not in evidence_topics:
            evidence_missing.append("自评估报告")
        progress.append(SectionProgress(
            key=spec.key, title=spec.title, clean=clean, revision=row.revision if row else 0,
            updated_at=row.updated_at if row else None,
            editable=section_is_editable(application, spec.key) and (user is None or permissions.can_edit(user, application)),
            returned_reason=application.returned_sections.get(spec.key), evidence_missing=evidence_missing))
    return progress


def section_is_editable(application: Application, key: str) -> bool:
    if application.status == State.DRAFT:
        return True
    return application.status == State.RETURNED and key in application.returned_sections


# --- the engine's view of an application ---------------------------------------------------------

def _yes(value) -> bool | None:
    return None if value is None else value == YES


def application_interchange(application: Application, policy: CallPolicy | None = None,
                            submitted_at: dt.datetime | None = None) -> dict[str, Any]:
    """The application in the engine's interchange format, built only from cleanly answered fields."""
    policy = policy or call_policy_for(application.call)
    raw = section_raw(application)
    clean = {spec.key: clean_section(spec, raw.get(spec.key), policy).values for spec in SECTIONS}
    basic, conditions, maturity = clean["basic"], clean["conditions"], clean["maturity"]
    organisation, scope = clean["organisation"], clean["scope"]

    def pick(source: dict, mapping: dict[str, str], convert=None) -> dict[str, Any]:
        out = {}
        for target, name in mapping.items():
            if name in source:
                out[target] = convert(source[name]) if convert else source[name]
        return out

    document: dict[str, Any] = {"format": FORMAT, "call": policy.code, "tier": application.tier}
    if submitted_at is not None:
        document["submitted_at"] = submitted_at.isoformat()
    document["enterprise"] = {
        **pick(basic, {"name": "name", "credit_code": "credit_code", "registered_region": "registered_region",
                       "legal_status": "legal_status", "industry_code": "industry_code",
                       "main_business_revenue_10k_yuan": "main_business_revenue_10k_yuan",
                       "competitiveness": "competitiveness"}),
        **pick(basic, {"above_designated_size": "above_designated_size"}, _yes),
    }
    if "industry_code" in document["enterprise"]:
        code = document["enterprise"]["industry_code"].upper()
        document["enterprise"]["industry_code"] = code
    record = pick(conditions, {"operations_and_finance_sound": "operations_and_finance_sound"}, _yes)
    record.update(pick(conditions, {"bad_credit_records": "bad_credit_records", "accidents": "accidents",
                                    "violations": "violations"}))
    document["record"] = record
    document["security"] = pick(conditions, {"secure_and_controllable": "secure_and_controllable",
                                             "cyber_and_data_risk_controllable": "cyber_and_data_risk_controllable"},
                                _yes)
    document["cooperation"] = pick(conditions, {"onsite_verification": "onsite_verification",
                                                "technology_promotion": "technology_promotion",
                                                "case_exchange": "case_exchange"}, _yes)
    if "construction_completed" in conditions:
        document["construction_completed"] = conditions["construction_completed"] == YES
    document["organisation"] = {**pick(organisation, {"description": "description", "talent_count": "talent_count"}),
                                **pick(organisation, {"has_mechanism": "has_mechanism"}, _yes)}
    document["maturity"] = {**pick(maturity, {"score": "score", "report_number": "report_number",
                                              "report_date": "report_date", "platform": "platform"}),
                            **pick(maturity, {"level": "level"}, int)}
    if "scope" in scope:
        document["scope"] = scope["scope"]
    document["scenarios"] = [
        {"id": row["id"], "description": row.get("description", ""), "uses_ai": row.get("uses_ai") == YES}
        for row in clean["scenarios"].get("scenarios", [])]
    if not document["scenarios"]:
        del document["scenarios"]
    document["equipment"] = [
        {**{k: v for k, v in row.items() if k != "secure_controllable"},
         "secure_controllable": row.get("secure_controllable") == YES}
        for row in clean["equipment"].get("equipment", [])]
    document["kpis"] = clean["kpis"]
    return document


def application_verdict(application: Application, policy: CallPolicy | None = None,
                        submitted_at: dt.datetime | None = None) -> Verdict:
    policy = policy or call_policy_for(application.call)
    if submitted_at is None:
        latest = application.latest_submission()
        if application.status in EDITABLE_STATES or latest is None:
            # A draft is judged as if submitted now, so the panel says whether submitting now is in time.
            submitted_at = clock.now()
        else:
            submitted_at = latest.submitted_at
    return evaluate(policy, application_interchange(application, policy, submitted_at))


# --- saving ----------------------------------------------------------------------------------------

def application_section_save(*, application: Application, key: str, data: dict[str, Any], base_revision: int,
                             user, editor_token: str = "") -> ApplicationSection:
    """Store what the user typed in one section. Refuses (keeping nothing half-written) on a stale revision.

    ``editor_token`` names the browser tab (form) doing the editing: a newer revision written by that same
    tab (its own autosave racing its save button) is not a conflict; one written anywhere else is.
    """
    if key not in SECTIONS_BY_KEY:
        raise ApplicationError(f"申报书中没有“{key}”这一部分")
    if not permissions.can_edit(user, application):
        raise PermissionDenied
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if not section_is_editable(application, key):
            if application.status == State.RETURNED:
                raise ApplicationError(f"“{SECTIONS_BY_KEY[key].title}”不在退回补正范围内，不能修改")
            raise ApplicationError(f"申报当前状态为“{state_label(application.status)}”，不能修改")
        section = ApplicationSection.objects.select_for_update().get(application=application, key=key)
        own_newer_write = bool(editor_token) and section.editor_token == editor_token and section.updated_by_id == user.pk
        if section.revision != base_revision and not own_newer_write:
            raise SectionConflict(section)
        if key == "attestation":
            data = {**data}
            if data.get("confirmed") == YES:
                data["confirmed_by"] = user.username
                data["confirmed_at"] = timezone.now().isoformat()
        section.data = data
        section.revision += 1
        section.updated_by = user
        section.editor_token = editor_token[:64]
        section.save()
        Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    return section


# --- submitting ----------------------------------------------------------------------------------

def content_hash(application: Application) -> str:
    """A fingerprint of everything submitted: all sections as typed and every evidence file's hash."""
    payload = {
        "sections": section_raw(application),
        "evidence": sorted(application.evidence.values_list("sha256", flat=True)),
        "tier": application.tier,
        "call": application.call.code,
    }
    return sha256_of_json(payload)


def submission_blockers(application: Application, policy: CallPolicy, now: dt.datetime) -> list[str]:
    """Everything that stops a submission now, in Chinese; empty when it may go ahead."""
    problems = []
    if not policy.is_open_at(now):
        local = beijing_text(now, "%Y-%m-%d %H:%M", policy)
        problems.append(f"当前时间 {local}（北京时间）不在申报时间 {policy.call.content['window']['text']} 内"
                        f"（截止到 {date_zh(policy.window_closes)} 24:00）")
    if not application.enterprise.is_confirmed:
        problems.append("企业尚未经所属乡镇（办事处、农场、开发区）确认")
    for progress in application_progress(application, policy):
        if progress.complete:
            continue
        parts = []
        if progress.clean.missing:
            parts.append(f"{len(progress.clean.missing)} 项未填")
        if progress.clean.errors:
            parts.append(f"{len(progress.clean.errors)} 项有误")
        if progress.evidence_missing:
            parts.append("未上传" + "、".join(progress.evidence_missing))
        problems.append(f"“{progress.title}”尚未完成（{'，'.join(parts)}）")
    return problems


def application_submit(*, application: Application, user, idempotency_key: str,
                       now: dt.datetime | None = None) -> Submission:
    """Submit (or resubmit after 退回补正). The same idempotency key always yields the same single receipt."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise ApplicationError("提交标识无效，请刷新页面后重试")
    existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.application_id != application.pk:
            raise ApplicationError("提交标识无效，请刷新页面后重试")
        return existing
    if not permissions.can_edit(user, application):
        raise PermissionDenied
    now = now or clock.now()
    policy = call_policy_for(application.call)
    try:
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application.pk)
            # A retry that raced the first request finds the receipt once the lock is released.
            existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
            action = "submit" if application.status == State.DRAFT else "resubmit"
            if application.status not in EDITABLE_STATES:
                raise ApplicationError(f"申报当前状态为“{state_label(application.status)}”，不能提交")
            blockers = submission_blockers(application, policy, now)
            if blockers:
                raise ApplicationError("暂不能提交：", blockers)
            digest = content_hash(application)
            attestation = application.sections.get(key="attestation").data
            verdict = application_verdict(application, policy, submitted_at=now)
            submission = Submission.objects.create(
                application=application, number=f"pending-{idempotency_key}", idempotency_key=idempotency_key,
                submitted_at=now, submitted_by=user, content_sha256=digest,
                snapshot={"sections": section_raw(application),
                          "interchange": application_interchange(application, policy, now),
                          "evidence": list(application.evidence.values("id", "original_name", "sha256", "topic")),
                          "policy_versions": policy.versions},
                verdict=verdict.as_dict(), attested_by_name=attestation.get("signer_name", ""))
            submission.number = f"{policy.code.upper()}-{submission.pk:06d}"
            submission.save(update_fields=["number"])
            event = _apply_transition(application, TRANSITIONS_BY_ACTION[action], user, content_sha256=digest)
            application.returned_sections = {}
            application.return_to = ""
            application.save(update_fields=["returned_sections", "return_to", "updated_at"])
            transition_done.send(sender=Application, application=application,
                                 transition=TRANSITIONS_BY_ACTION[action], user=user, event=event)
            return submission
    except IntegrityError:
        # Two requests with one key: the other one won; answer with its receipt.
        existing = Submission.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing


# --- transitions ---------------------------------------------------------------------------------

def _apply_transition(application: Application, transition, user, reason: str = "",
                      section_reasons: dict[str, str] | None = None, content_sha256: str = "") -> AuditEntry:
    target = transition.target
    if target == RETURN_TO:
        target = application.return_to or State.SUBMITTED
    event = write_audit(user, AuditRecord(
        object_type="application", object_id=application.pk, application_id=application.pk,
        action=transition.action, from_status=application.status, to_status=target, reason=reason,
        detail={"section_reasons": section_reasons} if section_reasons else {},
        content_sha256=content_sha256 or content_hash(application)))
    application.status = target
    application.save(update_fields=["status", "updated_at"])
    publish(ApplicationTransitioned(application_id=application.pk, action=transition.action,
                                    from_status=event.from_status, to_status=target,
                                    actor_id=getattr(user, "pk", None), audit_id=event.pk, reason=reason,
                                    section_reasons=section_reasons or {}))
    return event


def application_transition(*, application: Application, action: str, user, reason: str = "",
                           section_reasons: dict[str, str] | None = None) -> AuditEntry:
    """Perform one reviewer action from the workflow table (locks the row; a repeat is refused, not redone)."""
    transition = TRANSITIONS_BY_ACTION.get(action)
    if transition is None or action in ENTERPRISE_ACTIONS:
        raise ApplicationError(f"未知的操作“{action}”")
    reason = (reason or "").strip()
    section_reasons = {k: v.strip() for k, v in (section_reasons or {}).items() if v and v.strip()}
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("enterprise__organisation").get(
            pk=application.pk)
        if not permissions.can_perform(user, application, transition):
            raise PermissionDenied
        if application.status not in transition.sources:
            raise ApplicationError(f"申报当前状态为“{state_label(application.status)}”，不能“{transition.label}”")
        if transition.is_return:
            unknown = set(section_reasons) - set(SECTION_KEYS)
            if unknown:
                raise ApplicationError(f"没有这些部分：{'、'.join(sorted(unknown))}")
            if not section_reasons:
                raise ApplicationError("退回补正须至少指明一个需要修改的部分，并写明原因")
        if transition.needs_reason and not (reason or section_reasons):
            raise ApplicationError(f"“{transition.label}”须填写意见")
        transition_requested.send(sender=Application, application=application, transition=transition, user=user)
        came_from = application.status
        event = _apply_transition(application, transition, user, reason, section_reasons)
        if transition.is_return:
            application.returned_sections = section_reasons
            application.returned_by = user
            application.return_to = came_from
            application.save(update_fields=["returned_sections", "returned_by", "return_to", "updated_at"])
        _notify_enterprise(application, transition, reason, section_reasons)
        transition_done.send(sender=Application, application=application, transition=transition, user=user,
                             event=event)
    return event


def _notify_enterprise(application: Application, transition, reason: str, section_reasons: dict[str, str]) -> None:
    lines = [f"您的申报“{application.call.title}”：{transition.label}。"]
    if reason:
        lines.append(f"意见：{reason}")
    lines.extend(f"· {SECTIONS_BY_KEY[key].title}：{text}" for key, text in section_reasons.items())
    users = application.enterprise.organisation.users.filter(is_active=True)
    notify(users, kind=f"application.{transition.action}", title=f"申报{transition.label}", body="\n".join(lines),
           link=f"/applications/{application.pk}/status/")


# --- evidence --------------------------------------------------------------------------------------

def evidence_delete(*, evidence: Evidence, user) -> None:
    application = evidence.application
    if not permissions.can_edit(user, application) or not section_is_editable(application, evidence.section):
        raise PermissionDenied
    evidence.file.delete(save=False)
    evidence.delete()
