"""Business rules for on-site verification (现场核查).

A check is opened for an application that finished expert review; its checklist is generated from the
application's claims. Inspectors decide every item (属实 / 不符 / 未核查, a note required for 不符) and add
photos. The city completes the check — ``onsite_complete`` with the discrepancy summary as the reason —
or returns the application for revision (``city_return``) instead. State changes go through
``applications.services.application_transition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import State, state_label
from tidu.core.dates import date_zh
from tidu.core.errors import TiduError
from tidu.notifications.services import notify
from tidu.onsite import checklist, permissions
from tidu.onsite.models import CheckItem, CheckPhoto, OnsiteCheck
from tidu.onsite.photos import inspect_photo
from tidu.policy.selectors import call_policy_for

NOTE_MAX = 2000
MAX_PHOTOS_PER_ITEM = 20
Result = CheckItem.Result


class OnsiteError(TiduError):
    """A refused operation; ``message`` is shown to the user as it is (Chinese)."""


def _require_city(user) -> None:
    if not permissions.is_city(user):
        raise PermissionDenied


def _city_users():
    return User.objects.filter(role=User.Role.CITY, is_active=True)


def _link(check: OnsiteCheck) -> str:
    return reverse("onsite:check", args=[check.pk])


# --- opening a check ---------------------------------------------------------------------------------

def check_open(*, application: Application, user) -> OnsiteCheck:
    """The application's open check, or a new one with its checklist generated from the claims."""
    _require_city(user)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        existing = application.onsite_checks.filter(status=OnsiteCheck.Status.OPEN).first()
        if application.status != State.EXPERT_REVIEWED:
            if existing is not None:
                return existing
            raise OnsiteError(f"申报当前状态为“{state_label(application.status)}”，专家评审完成后才能安排现场核查")
        digest = application_services.content_hash(application)
        if existing is not None:
            if existing.claims_sha256 == digest:
                return existing
            # The enterprise changed its application since (退回补正): the old list checks stale claims.
            existing.status = OnsiteCheck.Status.CANCELLED
            existing.summary = "申报内容已变更（补正后重新提交），按最新内容重新生成核查清单；本清单作废。"
            existing.completed_by, existing.completed_at = user, timezone.now()
            existing.save(update_fields=["status", "summary", "completed_by", "completed_at"])
        specs = checklist.build_checklist(application_services.section_raw(application),
                                          call_policy_for(application.call))
        check = OnsiteCheck.objects.create(application=application, created_by=user, claims_sha256=digest)
        CheckItem.objects.bulk_create(
            CheckItem(onsite_check=check, order=n, kind=spec.kind, key=spec.key, title=spec.title[:200],
                      claim=spec.claim) for n, spec in enumerate(specs, 1))
    return check


def _lock_open(check: OnsiteCheck) -> OnsiteCheck:
    check = OnsiteCheck.objects.select_for_update().select_related("application__enterprise").get(pk=check.pk)
    if not check.is_open:
        raise OnsiteError(f"本次现场核查{check.get_status_display()}，不能再修改")
    return check


def inspector_choices(check: OnsiteCheck) -> tuple[list[User], list[tuple[User, list[str]]]]:
    """(allowed, excluded with reasons): active city officers, and pool experts without a conflict."""
    from tidu.experts import coi
    from tidu.experts.models import ExpertProfile, Rubric

    application = check.application
    rubric = Rubric.objects.filter(call_id=application.call_id, tier=application.tier).first()
    same_unit = rubric.exclude_same_unit if rubric else True
    allowed = list(_city_users().order_by("username"))
    excluded = []
    profiles = (ExpertProfile.objects.filter(is_active=True, user__is_active=True)
                .select_related("user", "unit").prefetch_related("relations").order_by("user__username"))
    for profile in profiles:
        reasons = coi.conflict_reasons(profile, application.enterprise, exclude_same_unit=same_unit)
        (excluded.append((profile.user, reasons)) if reasons else allowed.append(profile.user))
    return allowed, excluded


def inspectors_set(*, check: OnsiteCheck, user, inspectors: Iterable[User], planned_date=None) -> OnsiteCheck:
    """Assign inspectors (city officers or experts without a conflict of interest); new ones are notified."""
    _require_city(user)
    inspectors = list(dict.fromkeys(inspectors))
    if not inspectors:
        raise OnsiteError("请至少选择一名核查人员")
    with transaction.atomic():
        check = _lock_open(check)
        allowed, excluded = inspector_choices(check)
        allowed_ids = {u.pk for u in allowed}
        reasons = {u.pk: r for u, r in excluded}
        problems = [f"{u.display_name}：{'；'.join(reasons[u.pk])}" if u.pk in reasons
                    else f"{u.display_name}：不是市经信局人员或在库专家" for u in inspectors if u.pk not in allowed_ids]
        if problems:
            raise OnsiteError("以下人员不能担任核查人员：", problems)
        before = set(check.inspectors.values_list("pk", flat=True))
        check.inspectors.set(inspectors)
        check.planned_date = planned_date
        check.save(update_fields=["planned_date"])
        added = [u for u in inspectors if u.pk not in before]
        when = f"，计划于 {date_zh(planned_date)}" if planned_date else ""
        notify(added, kind="onsite.assigned", title="现场核查任务",
               body=f"请对“{check.application.enterprise.name}”的申报开展现场核查{when}。核查清单已按申报内容生成，"
                    "可在手机上逐项填写并拍照。",
               link=_link(check))
    return check


# --- deciding items ----------------------------------------------------------------------------------

def item_decide(*, item: CheckItem, user, result: str, note: str = "") -> CheckItem:
    note = (note or "").strip()
    if result not in CheckItem.DECIDED and result != Result.UNDECIDED:
        raise OnsiteError("请选择核查结果：属实、不符或未核查")
    if result == Result.MISMATCH and not note:
        raise OnsiteError("核查结果为“不符”时须填写核查说明（实际情况与申报内容的差异）")
    if len(note) > NOTE_MAX:
        raise OnsiteError(f"核查说明不能超过 {NOTE_MAX} 字（现有 {len(note)} 字）")
    with transaction.atomic():
        check = _lock_open(item.onsite_check)
        if not permissions.can_inspect(user, check):
            raise PermissionDenied
        item = CheckItem.objects.select_for_update().get(pk=item.pk, onsite_check=check)
        item.result, item.note = result, note
        item.decided_by = user if result else None
        item.decided_at = timezone.now() if result else None
        item.save(update_fields=["result", "note", "decided_by", "decided_at"])
    return item


def photo_add(*, item: CheckItem, user, upload) -> CheckPhoto:
    facts = inspect_photo(upload)  # raises PhotoRejected with a Chinese message
    with transaction.atomic():
        check = _lock_open(item.onsite_check)
        if not permissions.can_inspect(user, check):
            raise PermissionDenied
        if item.photos.count() >= MAX_PHOTOS_PER_ITEM:
            raise OnsiteError(f"每个核查事项最多 {MAX_PHOTOS_PER_ITEM} 张照片")
        photo = CheckPhoto(item=item, uploaded_by=user, **facts)
        photo.file.save("photo", upload, save=False)
        photo.save()
    return photo


def photo_delete(*, photo: CheckPhoto, user) -> None:
    with transaction.atomic():
        check = _lock_open(photo.item.onsite_check)
        if not (permissions.is_city(user) or (photo.uploaded_by_id == user.pk and permissions.can_inspect(user, check))):
            raise PermissionDenied
        photo.file.delete(save=False)
        photo.delete()


def undecided(check: OnsiteCheck) -> list[CheckItem]:
    return list(check.items.filter(result=Result.UNDECIDED).order_by("order"))


def inspector_report(*, check: OnsiteCheck, user) -> OnsiteCheck:
    """An inspector says the work on site is done: every item must be decided; the city is told."""
    with transaction.atomic():
        check = _lock_open(check)
        if not permissions.can_inspect(user, check):
            raise PermissionDenied
        missing = undecided(check)
        if missing:
            raise OnsiteError(f"还有 {len(missing)} 项未填写核查结果：", [f"{i.key} {i.title}" for i in missing])
        check.reported_at = timezone.now()
        check.save(update_fields=["reported_at"])
        notify(_city_users(), kind="onsite.reported", title="现场核查已填报完毕",
               body=f"{user.display_name} 已完成“{check.application.enterprise.name}”的现场核查填报，请审核办结。",
               link=_link(check))
    return check


# --- finishing ---------------------------------------------------------------------------------------

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


def check_complete(*, check: OnsiteCheck, user) -> OnsiteCheck:
    """Every item decided → the check is completed and the application moves on (``onsite_complete``)."""
    _require_city(user)
    with transaction.atomic():
        check = _lock_open(check)
        missing = undecided(check)
        if missing:
            raise OnsiteError(f"还有 {len(missing)} 项未填写核查结果，全部填写后才能办结：",
                              [f"{i.key} {i.title}" for i in missing])
        summary = summary_of(list(check.items.order_by("order")))
        application_services.application_transition(application=check.application, action="onsite_complete",
                                                    user=user, reason=summary)
        check.status = OnsiteCheck.Status.COMPLETED
        check.summary, check.completed_by, check.completed_at = summary, user, timezone.now()
        check.save(update_fields=["status", "summary", "completed_by", "completed_at"])
    return check


def check_return(*, check: OnsiteCheck, user, section_reasons: Mapping[str, str], reason: str = "") -> OnsiteCheck:
    """Instead of completing: return the application for revision (退回补正) with reasons per section."""
    _require_city(user)
    with transaction.atomic():
        check = _lock_open(check)
        items = list(check.items.order_by("order"))
        application_services.application_transition(application=check.application, action="city_return", user=user,
                                                    reason=reason, section_reasons=dict(section_reasons))
        check.status = OnsiteCheck.Status.RETURNED
        check.summary = summary_of(items) if all(i.is_decided for i in items) else (reason or "退回补正")
        check.completed_by, check.completed_at = user, timezone.now()
        check.save(update_fields=["status", "summary", "completed_by", "completed_at"])
    return check


def item_resolve(*, item: CheckItem, user, resolution: str) -> CheckItem:
    """The city records how a discrepancy (不符) was settled; it then no longer shows as open."""
    _require_city(user)
    resolution = (resolution or "").strip()
    if not resolution:
        raise OnsiteError("请填写处理情况")
    with transaction.atomic():
        item = CheckItem.objects.select_for_update().get(pk=item.pk)
        if item.result != Result.MISMATCH:
            raise OnsiteError("只有核查结果为“不符”的事项需要处理")
        item.resolution, item.resolved_by, item.resolved_at = resolution[:NOTE_MAX], user, timezone.now()
        item.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    return item
