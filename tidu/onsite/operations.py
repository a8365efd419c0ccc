"""Every change of state in on-site verification is one operation (see ``tidu.core.operations``).

Roles and source states come from ``workflow.CHECK_TRANSITIONS``; inspectors are city officers or experts
assigned to the check. Each ``execute`` locks the check row (and the item), asks ``check`` again on the locked
row, validates, writes, and adds exactly one ``AuditEntry``. ``services`` keeps thin wrappers.

Who may serve as an inspector is asked of ``onsite_check.be_inspector`` (no change of state): the city
officers and experts this domain knows, plus the rules other domains add by name (the experts domain adds
pool membership and conflicts of interest), so this app never imports the experts app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import Transition, state_label
from tidu.core.operations import ALLOWED, AuditRecord, Check, Operation, operation_class, refused, role_of
from tidu.notifications.messages import day, text
from tidu.notifications.services import notify
from tidu.onsite import checklist, workflow
from tidu.onsite.errors import OnsiteError
from tidu.onsite.models import CheckItem, CheckPhoto, OnsiteCheck
from tidu.policy.selectors import call_policy_for

NOTE_MAX = 2000
MAX_PHOTOS_PER_ITEM = 20
Result = CheckItem.Result
T = workflow.CHECK_TRANSITIONS_BY_ACTION


def city_users():
    return User.objects.filter(role=User.Role.CITY, is_active=True)


def link(check: OnsiteCheck) -> str:
    return reverse("onsite:check", args=[check.pk])


def is_inspector(user, check: OnsiteCheck) -> bool:
    return (role_of(user) in workflow.INSPECTOR_ROLES and user.is_active
            and check.inspectors.filter(pk=user.pk).exists())


class _CheckOperation(Operation):
    """On one on-site check (or an item or photo of it): roles and states from the table."""

    transition: ClassVar[Transition]
    object_type = "onsite_check"
    model = OnsiteCheck
    error_class = OnsiteError
    # Inspectors must be assigned to the check; the city acts on every check.
    inspectors_only: ClassVar[bool] = True

    def roles_for(self, obj) -> tuple[str, ...]:
        return self.transition.roles

    def check_of(self, obj) -> OnsiteCheck:
        return obj

    def in_scope(self, user, obj) -> bool:
        if role_of(user) == "city":
            return True
        return not self.inspectors_only or is_inspector(user, self.check_of(obj))

    def state_check(self, obj) -> Check:
        check = self.check_of(obj)
        if self.transition.sources and check.status not in self.transition.sources:
            return refused(gettext("本次现场核查%(get_status_display)s，不能再修改") % {
                    "get_status_display": check.get_status_display()})
        return ALLOWED

    def lock_check(self, pk) -> OnsiteCheck:
        return OnsiteCheck.objects.select_for_update().select_related("application__enterprise").get(pk=pk)

    def lock(self) -> OnsiteCheck:
        return self.lock_check(self.obj.pk)


# --- opening a check ---------------------------------------------------------------------------------

@operation_class
class CheckOpen(_CheckOperation):
    """Open a check for an application whose expert review is complete; the checklist comes from its claims.

    The object is the application. An open check generated from claims that have changed since (退回补正
    and resubmission) is cancelled and replaced; an open check for the same claims is refused (the service
    returns it instead, so opening is idempotent).
    """

    name = "onsite_check.open"
    label = gettext_noop("生成核查清单")
    model = Application
    transition = T["open"]

    def state_check(self, obj) -> Check:
        if obj.status != workflow.OPENS_FROM_APPLICATION_STATE:
            return refused(gettext("申报当前状态为“%(state)s”，专家评审完成后才能安排现场核查") % {
                    "state": gettext(state_label(obj.status))})
        return ALLOWED

    def state_of(self, obj) -> str:
        return ""

    def lock(self) -> Application:
        return Application.objects.select_for_update().select_related("call").get(pk=self.obj.pk)

    def validate(self, user, obj) -> None:
        self.digest = application_services.content_hash(obj)
        self.existing = obj.onsite_checks.filter(status=OnsiteCheck.Status.OPEN).first()
        if self.existing is not None and self.existing.claims_sha256 == self.digest:
            raise OnsiteError(gettext("该申报已有进行中的现场核查"))

    def perform(self, user, obj) -> OnsiteCheck:
        self.cancelled = None
        if self.existing is not None:
            # The enterprise changed its application since (退回补正): the old list checks stale claims.
            old = self.lock_check(self.existing.pk)
            old.status = OnsiteCheck.Status.CANCELLED
            old.summary = "申报内容已变更（补正后重新提交），按最新内容重新生成核查清单；本清单作废。"
            old.completed_by, old.completed_at = user, timezone.now()
            old.save(update_fields=["status", "summary", "completed_by", "completed_at"])
            self.cancelled = old.pk
        specs = checklist.build_checklist(application_services.section_raw(obj), call_policy_for(obj.call))
        check = OnsiteCheck.objects.create(application=obj, created_by=user, claims_sha256=self.digest)
        CheckItem.objects.bulk_create(
            CheckItem(onsite_check=check, order=n, kind=spec.kind, key=spec.key, title=spec.title[:200],
                      claim=spec.claim) for n, spec in enumerate(specs, 1))
        return check

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="onsite_check", object_id=result.pk, application_id=obj.pk, action=self.name,
                           to_status=result.status,
                           detail={"items": result.items.count(), "claims_sha256": self.digest,
                                   "cancelled": self.cancelled})


# --- inspectors --------------------------------------------------------------------------------------

@operation_class
class BeInspector(_CheckOperation):
    """Not a change of state: may ``user`` serve as an inspector of this (open) check?

    This domain admits active city officers and experts; other domains add their rules to this name
    (the experts domain refuses experts outside the active pool or with a conflict of interest).
    """

    name = "onsite_check.be_inspector"
    label = gettext_noop("担任核查人员")
    transition = T["decide_item"]
    inspectors_only = False

    def rules_check(self, user, obj) -> Check:
        return ALLOWED if user.is_active else refused(gettext("账号已停用"))

    def perform(self, user, obj):
        raise NotImplementedError("onsite_check.be_inspector is a question, not an action")


def inspector_choices(check: OnsiteCheck) -> tuple[list[User], list[tuple[User, list[str]]]]:
    """(allowed, excluded with reasons): active city officers and experts, as ``onsite_check.be_inspector`` says.

    Experts the rules forbid outright (not in the pool) are in neither list.
    """
    allowed, excluded = [], []
    question = BeInspector(check)
    candidates = User.objects.filter(role__in=workflow.INSPECTOR_ROLES, is_active=True).order_by("role", "username")
    # City officers first, then experts (as the page always listed them).
    for user in sorted(candidates, key=lambda u: (u.role != "city", u.username)):
        verdict = question.check(user)
        if verdict:
            allowed.append(user)
        elif not verdict.forbidden:
            excluded.append((user, verdict.reason.split("；")))
    return allowed, excluded


@operation_class
class SetInspectors(_CheckOperation):
    """Assign inspectors (city officers or experts without a conflict of interest); new ones are notified."""

    name = "onsite_check.set_inspectors"
    label = gettext_noop("指定核查人员")
    transition = T["set_inspectors"]

    def validate(self, user, obj) -> None:
        inspectors = list(dict.fromkeys(self.params.get("inspectors") or ()))
        if not inspectors:
            raise OnsiteError(gettext("请至少选择一名核查人员"))
        question = BeInspector(obj)
        problems = []
        for person in inspectors:
            verdict = question.check(person)
            if not verdict:
                why = "不是市经信局人员或在库专家" if verdict.forbidden else verdict.reason
                problems.append(f"{person.display_name}：{why}")
        if problems:
            raise OnsiteError(gettext("以下人员不能担任核查人员："), problems)
        self.inspectors = inspectors

    def perform(self, user, obj) -> OnsiteCheck:
        planned_date = self.params.get("planned_date")
        self.before = set(obj.inspectors.values_list("pk", flat=True))
        obj.inspectors.set(self.inspectors)
        obj.planned_date = planned_date
        obj.save(update_fields=["planned_date"])
        added = [u for u in self.inspectors if u.pk not in self.before]
        name = obj.application.enterprise.name
        body = (text(gettext_noop("请对“%(name)s”的申报开展现场核查，计划于 %(date)s。核查清单已按申报内容生成，"
                                  "可在手机上逐项填写并拍照。"), name=name, date=day(planned_date)) if planned_date
                else text(gettext_noop("请对“%(name)s”的申报开展现场核查。核查清单已按申报内容生成，"
                                       "可在手机上逐项填写并拍照。"), name=name))
        notify(added, kind="onsite.assigned", title=text(gettext_noop("现场核查任务")), body=body,
               link=link(obj))
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"inspectors": [u.username for u in self.inspectors], "before": sorted(self.before),
                         "planned_date": obj.planned_date.isoformat() if obj.planned_date else None}
        return record


# --- items and photos --------------------------------------------------------------------------------

class _ItemOperation(_CheckOperation):
    """On one checklist item; the check row is locked first (its state is what is re-checked)."""

    object_type = "check_item"
    model = CheckItem

    def check_of(self, obj) -> OnsiteCheck:
        return obj.onsite_check

    def lock(self) -> CheckItem:
        check = self.lock_check(self.obj.onsite_check_id)
        item = CheckItem.objects.select_for_update().get(pk=self.obj.pk, onsite_check=check)
        item.onsite_check = check
        return item

    def state_of(self, obj) -> str:
        return obj.result or "undecided"

    def application_id_of(self, obj) -> int | None:
        return obj.onsite_check.application_id


@operation_class
class ItemDecide(_ItemOperation):
    name = "check_item.decide"
    label = gettext_noop("填写核查结果")
    transition = T["decide_item"]

    def validate(self, user, obj) -> None:
        result = self.params.get("result", "")
        note = self.params["note"] = (self.params.get("note") or "").strip()
        if result not in CheckItem.DECIDED and result != Result.UNDECIDED:
            raise OnsiteError(gettext("请选择核查结果：属实、不符或未核查"))
        if result == Result.MISMATCH and not note:
            raise OnsiteError(gettext("核查结果为“不符”时须填写核查说明（实际情况与申报内容的差异）"))
        if len(note) > NOTE_MAX:
            raise OnsiteError(gettext("核查说明不能超过 %(NOTE_MAX)s 字（现有 %(n)s 字）") % {
                    "NOTE_MAX": NOTE_MAX, "n": len(note)})

    def perform(self, user, obj) -> CheckItem:
        result = self.params.get("result", "")
        obj.result, obj.note = result, self.params["note"]
        obj.decided_by = user if result else None
        obj.decided_at = timezone.now() if result else None
        obj.save(update_fields=["result", "note", "decided_by", "decided_at"])
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.reason = obj.note
        record.detail = {"check": obj.onsite_check_id, "key": obj.key}
        return record


@operation_class
class ItemResolve(_ItemOperation):
    """The city records how a discrepancy (不符) was settled; it then no longer shows as open."""

    name = "check_item.resolve"
    label = gettext_noop("记录处理情况")
    transition = T["resolve_item"]

    def state_check(self, obj) -> Check:
        if obj.result != Result.MISMATCH:
            return refused(gettext("只有核查结果为“不符”的事项需要处理"))
        return ALLOWED

    def state_of(self, obj) -> str:
        if obj.result == Result.MISMATCH:
            return "resolved" if obj.resolved_at else "open_discrepancy"
        return super().state_of(obj)

    def validate(self, user, obj) -> None:
        self.params["resolution"] = (self.params.get("resolution") or "").strip()
        if not self.params["resolution"]:
            raise OnsiteError(gettext("请填写处理情况"))

    def perform(self, user, obj) -> CheckItem:
        obj.resolution, obj.resolved_by, obj.resolved_at = self.params["resolution"][:NOTE_MAX], user, timezone.now()
        obj.save(update_fields=["resolution", "resolved_by", "resolved_at"])
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.reason = obj.resolution
        record.detail = {"check": obj.onsite_check_id, "key": obj.key}
        return record


@operation_class
class PhotoAdd(_ItemOperation):
    """Add a photo to an item of an open check (params ``upload``, already inspected by ``inspect_photo``).

    The file is written inside the transaction, after the check row is locked and re-checked; if anything
    after the write fails, ``discard_written`` (called by the service) deletes it again, so a refused or
    failed upload leaves no orphan file.
    """

    name = "check_photo.add"
    label = gettext_noop("上传照片")
    object_type = "check_photo"
    transition = T["add_photo"]
    written: str | None = None

    def validate(self, user, obj) -> None:
        if obj.photos.count() >= MAX_PHOTOS_PER_ITEM:
            raise OnsiteError(gettext("每个核查事项最多 %(MAX_PHOTOS_PER_ITEM)s 张照片") % {
                    "MAX_PHOTOS_PER_ITEM": MAX_PHOTOS_PER_ITEM})

    def perform(self, user, obj) -> CheckPhoto:
        photo = CheckPhoto(item=obj, uploaded_by=user, **self.params["facts"])
        photo.file.save("photo", self.params["upload"], save=False)
        self.written = photo.file.name
        self.storage = photo.file.storage
        photo.save()
        return photo

    def discard_written(self) -> None:
        if self.written:
            self.storage.delete(self.written)
            self.written = None

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="check_photo", object_id=result.pk, application_id=self.application_id_of(obj),
                           action=self.name, to_status="stored", content_sha256=result.sha256,
                           detail={"check": obj.onsite_check_id, "item": obj.pk, "name": result.original_name,
                                   "size": result.size})


@operation_class
class PhotoDelete(_CheckOperation):
    """Delete a photo of an open check: its uploader (still an inspector) or the city. The file goes on commit."""

    name = "check_photo.delete"
    label = gettext_noop("删除照片")
    object_type = "check_photo"
    model = CheckPhoto
    transition = T["delete_photo"]

    def check_of(self, obj) -> OnsiteCheck:
        return obj.item.onsite_check

    def in_scope(self, user, obj) -> bool:
        if role_of(user) == "city":
            return True
        return obj.uploaded_by_id == user.pk and is_inspector(user, self.check_of(obj))

    def lock(self) -> CheckPhoto:
        check = self.lock_check(self.obj.item.onsite_check_id)
        photo = CheckPhoto.objects.select_for_update().select_related("item").get(pk=self.obj.pk)
        photo.item.onsite_check = check
        return photo

    def state_of(self, obj) -> str:
        return "stored" if obj.pk is not None else "deleted"

    def perform(self, user, obj) -> dict:
        facts = {"id": obj.pk, "item": obj.item_id, "check": obj.item.onsite_check_id, "name": obj.original_name,
                 "sha256": obj.sha256, "application_id": obj.item.onsite_check.application_id}
        name, storage = obj.file.name, obj.file.storage
        obj.delete()
        # The row goes now, the file only once that is committed: a rollback leaves both in place.
        transaction.on_commit(lambda: storage.delete(name))
        return facts

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="check_photo", object_id=result["id"], application_id=result["application_id"],
                           action=self.name, from_status=before, to_status="deleted", content_sha256=result["sha256"],
                           detail={"check": result["check"], "item": result["item"], "name": result["name"]})


# --- the inspectors' report and the city's decisions -------------------------------------------------

def undecided(check: OnsiteCheck) -> list[CheckItem]:
    return list(check.items.filter(result=Result.UNDECIDED).order_by("order"))


@operation_class
class InspectorReport(_CheckOperation):
    """An inspector says the work on site is done: every item must be decided; the city is told."""

    name = "onsite_check.report"
    label = gettext_noop("通知市经信局核查完毕")
    transition = T["report"]

    def validate(self, user, obj) -> None:
        missing = undecided(obj)
        if missing:
            raise OnsiteError(gettext("还有 %(n)s 项未填写核查结果：") % {
                    "n": len(missing)}, [f"{i.key} {i.title}" for i in missing])

    def perform(self, user, obj) -> OnsiteCheck:
        # Pressed again with nothing decided since the last report: the city already knows (no row, no notice).
        if obj.reported_at is not None and not obj.items.filter(decided_at__gt=obj.reported_at).exists():
            self.unchanged = True
            return obj
        obj.reported_at = timezone.now()
        obj.save(update_fields=["reported_at"])
        notify(city_users(), kind="onsite.reported", title=text(gettext_noop("现场核查已填报完毕")),
               body=text(gettext_noop("%(inspector)s 已完成“%(name)s”的现场核查填报，请审核办结。"),
                         inspector=user.display_name, name=obj.application.enterprise.name),
               link=link(obj))
        return obj


def summary_of(items: list[CheckItem]) -> str:
    """The discrepancy summary (核查结论) that becomes the reason of ``onsite_complete``."""
    counts = {value: sum(1 for i in items if i.result == value) for value in CheckItem.DECIDED}
    head = (f"现场核查共 {len(items)} 项：属实 {counts[Result.CONFIRMED]} 项，不符 {counts[Result.MISMATCH]} 项，"
            f"未核查 {counts[Result.NOT_CHECKED]} 项。")
    lines = [head]
    mismatches = [i for i in items if i.result == Result.MISMATCH]
    if mismatches:
        lines.append("不符事项：")
        lines.extend(f"· {i.title}：{i.note}" for i in mismatches)
    else:
        lines.append("未发现与申报内容不符的情况。")
    not_checked = [i for i in items if i.result == Result.NOT_CHECKED]
    if not_checked:
        lines.append("未核查事项：" + "、".join(f"{i.title}" + (f"（{i.note}）" if i.note else "") for i in not_checked))
    return "\n".join(lines)


@operation_class
class CheckComplete(_CheckOperation):
    """Every item decided → the check is completed and the application moves on (``onsite_complete``)."""

    name = "onsite_check.complete"
    label = gettext_noop("现场核查完成")
    transition = T["complete"]

    def validate(self, user, obj) -> None:
        missing = undecided(obj)
        if missing:
            raise OnsiteError(gettext("还有 %(n)s 项未填写核查结果，全部填写后才能办结：") % {"n": len(missing)},
                              [f"{i.key} {i.title}" for i in missing])

    def perform(self, user, obj) -> OnsiteCheck:
        summary = summary_of(list(obj.items.order_by("order")))
        application_services.application_transition(application=obj.application, action="onsite_complete",
                                                    user=user, reason=summary)
        obj.status = OnsiteCheck.Status.COMPLETED
        obj.summary, obj.completed_by, obj.completed_at = summary, user, timezone.now()
        obj.save(update_fields=["status", "summary", "completed_by", "completed_at"])
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.reason = obj.summary
        return record


@operation_class
class CheckReturn(_CheckOperation):
    """Instead of completing: return the application for revision (退回补正) with reasons per section."""

    name = "onsite_check.return"
    label = gettext_noop("退回补正")
    transition = T["return"]

    def perform(self, user, obj) -> OnsiteCheck:
        items = list(obj.items.order_by("order"))
        reason = self.params.get("reason", "") or ""
        section_reasons: Mapping[str, str] = self.params.get("section_reasons") or {}
        application_services.application_transition(application=obj.application, action="city_return", user=user,
                                                    reason=reason, section_reasons=dict(section_reasons),
                                                    due_date=self.params.get("due_date"),
                                                    due_reason=self.params.get("due_reason", ""))
        obj.status = OnsiteCheck.Status.RETURNED
        obj.summary = summary_of(items) if all(i.is_decided for i in items) else (reason or "退回补正")
        obj.completed_by, obj.completed_at = user, timezone.now()
        obj.save(update_fields=["status", "summary", "completed_by", "completed_at"])
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        sections = {k: v.strip() for k, v in (self.params.get("section_reasons") or {}).items() if v and v.strip()}
        record.detail = {"section_reasons": sections} if sections else {}
        return record


@operation_class
class CheckCancel(_CheckOperation):
    """An open check whose application has ended (不予认定, withdrawn) is cancelled with the reason: nobody is
    left holding a checklist for an application that will never be verified."""

    name = "onsite_check.cancel"
    label = gettext_noop("作废清单")
    transition = T["cancel"]

    def validate(self, user, obj) -> None:
        if not (self.params.get("reason") or "").strip():
            raise OnsiteError(gettext("请写明作废核查清单的理由"))

    def perform(self, user, obj) -> OnsiteCheck:
        obj.status = OnsiteCheck.Status.CANCELLED
        obj.summary = self.params["reason"].strip()
        obj.completed_by, obj.completed_at = user, timezone.now()
        obj.save(update_fields=["status", "summary", "completed_by", "completed_at"])
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.reason = obj.summary
        return record
