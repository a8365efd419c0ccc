"""The city's later steps through the API: 形式审查, batch actions, 专家评审, 现场核查, 评审结论 and 集体决策, 公示.

Every endpoint is a thin door onto an operation the pages already use: the object is found through its domain's
selector (outside the caller's visibility: 404), the operation's own ``check()`` answers (403 with its reason
when the role may never, 409 when the state or a rule refuses), ``execute()`` writes the one audit row (with
``detail.api_token``), and a POST honours ``Idempotency-Key``. Each action is one row of a table: the operation,
its scope and which payload fields it reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_noop
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field, field_validator

from tidu.accounts.models import User
from tidu.api.api import (
    ERRORS,
    OPTIONAL_BODY,
    READ_ERRORS,
    ActionIn,
    ActionOut,
    ApiError,
    _idempotent,
    _listed,
    _visible_application,
    need,
)
from tidu.api.models import Scope
from tidu.applications import selectors as application_selectors
from tidu.core.models import AuditEntry
from tidu.core.request_id import current_request_id
from tidu.decisions import operations as decision_ops
from tidu.decisions import selectors as decision_selectors
from tidu.experts import operations as expert_ops
from tidu.experts import selectors as expert_selectors
from tidu.onsite import operations as onsite_ops
from tidu.onsite import selectors as onsite_selectors
from tidu.onsite.errors import PhotoRejected
from tidu.onsite.models import CheckPhoto
from tidu.onsite.photos import inspect_photo
from tidu.policy.models import Call
from tidu.publicity import operations as publicity_ops
from tidu.publicity import selectors as publicity_selectors
from tidu.review import selectors as review_selectors
from tidu.review import services as review_services
from tidu.review.operations import FormalReviewDecision

router = Router(tags=["办理（市经信局）"])
PHOTO_FILE = File(..., description=gettext_noop("JPG 或 PNG 照片"))
MAX_BATCH = 1000
ObjectId = Annotated[int, Field(ge=1, le=2**31 - 1)]  # an id in a body: never beyond what a database key holds


# --- what an action answers -----------------------------------------------------------------------------------

def _rows_of_this_call(user, since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=since, actor=user, request_id=current_request_id())
                .order_by("pk"))


def _last_pk() -> int:
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def _run_operation(request, op, *, name: str, application=None) -> dict:
    """``op.check()`` then ``op.execute()``: the refusals as the API's 403/409, the answer from the audit row
    the operation wrote (its object: an assignment, a check, a conclusion …) and the application's new state."""
    verdict = op.check(request.user)
    if verdict.forbidden:
        raise PermissionDenied(verdict.reason)
    if not verdict:
        raise ApiError(409, verdict.reason)
    since = _last_pk()
    result = op.execute(request.user)
    rows = _rows_of_this_call(request.user, since)
    entry = next((row for row in rows if row.action == name), rows[-1] if rows else None)
    if application is not None:
        application.refresh_from_db()
    target = application if application is not None else result
    return {"audit_id": entry.pk if entry else None, "object_type": entry.object_type if entry else "",
            "object_id": _int(entry.object_id) if entry else getattr(result, "pk", 0) or 0,
            "action": entry.action if entry else name, "from_status": entry.from_status if entry else "",
            "to_status": getattr(target, "status", "") or (entry.to_status if entry else ""),
            "status_label": _status_label(target)}


def visible_applications(request, ids) -> dict[int, Any]:
    """The listed applications the caller may see, by id; 404 listing the ids it may not (or that do not exist)."""
    found = {a.pk: a for a in application_selectors.applications_visible_to(request.user).filter(pk__in=set(ids))}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ApiError(404, gettext("以下编号的申报不存在，或当前令牌无权查看："),
                       [{"field": "application_ids", "message": "、".join(map(str, missing[:50]))}])
    return found


def _int(value: str) -> int:
    return int(value) if str(value).isdigit() else 0


def _status_label(obj) -> str:
    label = getattr(obj, "status_label", None)
    if isinstance(label, str):
        return label
    display = getattr(obj, "get_status_display", None)
    return str(display()) if callable(display) else ""


# --- actions on an application (beyond the lifecycle table's 受理/退回 rows) --------------------------------------

@dataclasses.dataclass(frozen=True)
class StepAction:
    operation: Callable[[Any, ActionIn, Any], Any]  # (application, payload, request) → the operation
    name: str          # the audit row's action the operation writes (its answer)
    summary: str


def _formal(decision: str):
    def make(application, p: ActionIn, request):
        return FormalReviewDecision(application, decision=decision, checked=p.checked,
                                    override_reasons=p.override_reasons, reason=p.reason,
                                    section_reasons=p.section_reasons if decision == "city_return" else None,
                                    due_date=p.due_date, due_reason=p.due_reason)
    return make


def _assign(application, p: ActionIn, request):
    profile = expert_selectors.pool().filter(user_id=p.expert_id).select_related("user").first() \
        if p.expert_id else None
    if profile is None:
        raise ApiError(422, gettext("请求参数有误。"), [{"field": "expert_id",
                                                      "message": gettext("专家库中没有该专家")}])
    return expert_ops.ExpertAssign(application, expert=profile.user)


STEP_ACTIONS: dict[str, StepAction] = {
    "formal_pass": StepAction(_formal("formal_pass"), "formal_pass", "形式审查通过 / formal review: pass"),
    "formal_fail": StepAction(_formal("formal_fail"), "formal_fail", "形式审查不通过 / formal review: fail"),
    "formal_return": StepAction(_formal("city_return"), "city_return",
                                "形式审查退回补正 / formal review: return for revision"),
    "expert_assign": StepAction(_assign, "assigned", "选派专家 / assign an expert"),
    "expert_review_complete": StepAction(
        lambda a, p, r: expert_ops.ExpertReviewComplete(a, note=p.note, quorum_override_reason=p.quorum_override_reason),
        "expert_review.complete", "专家评审完成 / complete the expert review"),
    "panel_opinion": StepAction(lambda a, p, r: expert_ops.PanelOpinionRecord(a, text=p.text),
                                "panel_opinion.record", "填写专家组意见 / record the panel's opinion"),
    "onsite_open": StepAction(lambda a, p, r: onsite_ops.CheckOpen(a), "onsite_check.open",
                              "生成现场核查清单 / open the on-site check"),
    "conclusion": StepAction(lambda a, p, r: decision_ops.ConclusionRecord(a, outcome=p.outcome, reasons=p.reasons),
                             "conclusion.record", "记录评审结论 / record the review conclusion"),
}

def run_step(request, application_id: int, step: str, payload: ActionIn):
    """One of the city's later steps on an application (``POST /applications/{id}/actions/{step}``)."""
    action = STEP_ACTIONS[step]

    def run():
        application = get_object_or_404(application_selectors.applications_visible_to(request.user),
                                         pk=application_id)
        return _run_operation(request, action.operation(application, payload, request), name=action.name,
                              application=application)

    return _idempotent(request, run)


# --- 现场核查 ----------------------------------------------------------------------------------------------------

class CheckItemOut(Schema):
    order: int
    kind: str
    key: str
    title: str
    claim: str
    result: str
    note: str
    photos: list[int]


class OnsiteCheckOut(Schema):
    id: int
    application_id: int
    status: str
    status_label: str
    planned_date: dt.date | None
    created_at: dt.datetime
    completed_at: dt.datetime | None
    summary: str
    items: list[CheckItemOut]


def _check_out(check) -> dict:
    return {"id": check.pk, "application_id": check.application_id, "status": check.status,
            "status_label": check.get_status_display(), "planned_date": check.planned_date,
            "created_at": check.created_at, "completed_at": check.completed_at, "summary": check.summary,
            "items": [{"order": i.order, "kind": i.kind, "key": i.key, "title": i.title, "claim": i.claim,
                       "result": i.result, "note": i.note, "photos": [photo.pk for photo in i.photos.all()]}
                      for i in check.items.order_by("order").prefetch_related("photos")]}


@router.get("/applications/{application_id}/onsite-checks", response={200: list[OnsiteCheckOut], **READ_ERRORS},
            summary=gettext_noop("一份申报的现场核查"), tags=["申报"])
def application_checks(request, application_id: int):
    need(request, Scope.READ)
    application = _visible_application(request, application_id)
    checks = _listed(request, "onsite_check", onsite_selectors.checks_visible_to(request.user)
                     .filter(application=application).order_by("created_at", "pk"))
    return [_check_out(c) for c in checks]


@router.get("/onsite-checks/{check_id}", response={200: OnsiteCheckOut, **READ_ERRORS},
            summary=gettext_noop("一次现场核查及其核查事项"), tags=["申报"])
def check_detail(request, check_id: int):
    need(request, Scope.READ)
    return _check_out(get_object_or_404(onsite_selectors.checks_visible_to(request.user), pk=check_id))


class CheckActionIn(Schema):
    reason: str = Field("", max_length=2000, description=gettext_noop("退回补正、作废的意见"))
    section_reasons: dict[str, str] = Field(default_factory=dict, description=gettext_noop("退回补正：部分 → 修改意见"))
    due_date: dt.date | None = None
    due_reason: str = Field("", max_length=500)


CHECK_ACTIONS = {"complete": (onsite_ops.CheckComplete, "onsite_check.complete"),
                 "return": (onsite_ops.CheckReturn, "onsite_check.return"),
                 "cancel": (onsite_ops.CheckCancel, "onsite_check.cancel")}


@router.post("/onsite-checks/{check_id}/actions/{action}", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("现场核查办结、退回补正或作废清单"),
             description=gettext_noop("`complete`：全部核查事项已填写后办结；`return`：退回补正（section_reasons）；"
                                      "`cancel`：作废清单（须写理由）。需要 city:act 权限范围。"))
def check_action(request, check_id: int, action: Literal["complete", "return", "cancel"],
                 payload: CheckActionIn = OPTIONAL_BODY):
    need(request, Scope.CITY_ACT)
    payload = payload or CheckActionIn()
    operation_class, name = CHECK_ACTIONS[action]

    def run():
        check = get_object_or_404(onsite_selectors.checks_visible_to(request.user), pk=check_id)
        op = operation_class(check, reason=payload.reason, section_reasons=payload.section_reasons,
                             due_date=payload.due_date, due_reason=payload.due_reason)
        return _run_operation(request, op, name=name)

    return _idempotent(request, run)


class InspectorsIn(Schema):
    inspector_ids: list[ObjectId] = Field(min_length=1, max_length=20,
                                          description=gettext_noop("核查人员（市经信局人员或在库专家）的用户编号"))
    planned_date: dt.date | None = Field(None, description=gettext_noop("计划核查日期"))


@router.post("/onsite-checks/{check_id}/inspectors", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("指定核查人员"),
             description=gettext_noop("与企业有关联关系的专家不能担任；新指定的人员收到通知。需要 city:act 权限范围。"))
def check_inspectors(request, check_id: int, payload: InspectorsIn):
    need(request, Scope.CITY_ACT)

    def run():
        check = get_object_or_404(onsite_selectors.checks_visible_to(request.user), pk=check_id)
        people = {u.pk: u for u in User.objects.filter(pk__in=payload.inspector_ids, is_active=True)}
        missing = [pk for pk in payload.inspector_ids if pk not in people]
        if missing:
            raise ApiError(404, gettext("以下编号的用户不存在："),
                           [{"field": "inspector_ids", "message": ", ".join(map(str, missing))}])
        op = onsite_ops.SetInspectors(check, inspectors=[people[pk] for pk in payload.inspector_ids],
                                      planned_date=payload.planned_date)
        return _run_operation(request, op, name="onsite_check.set_inspectors")

    return _idempotent(request, run)


class ItemIn(Schema):
    result: Literal["confirmed", "mismatch", "not_checked"] | None = Field(
        None, description=gettext_noop("decide：属实 / 不符 / 未核查"))
    note: str = Field("", max_length=2000, description=gettext_noop("decide：核查说明（不符、未核查须填写）"))
    resolution: str = Field("", max_length=2000, description=gettext_noop("resolve：不符事项的处理意见"))


@router.post("/onsite-checks/{check_id}/items/{order}/actions/{action}", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("填写核查事项的结果，或处理不符事项"),
             description=gettext_noop("`decide`：核查人员填写结果和说明；`resolve`：市经信局对不符事项写处理意见。"
                                      "需要 city:act 权限范围（专家核查人员在页面上填写）。"))
def check_item(request, check_id: int, order: int, action: Literal["decide", "resolve"], payload: ItemIn):
    need(request, Scope.CITY_ACT)

    def run():
        check = get_object_or_404(onsite_selectors.checks_visible_to(request.user), pk=check_id)
        item = get_object_or_404(check.items, order=order)
        if action == "decide":
            op = onsite_ops.ItemDecide(item, result=payload.result or "", note=payload.note)
        else:
            op = onsite_ops.ItemResolve(item, resolution=payload.resolution)
        return _run_operation(request, op, name=f"check_item.{action}")

    return _idempotent(request, run)


@router.post("/onsite-checks/{check_id}/items/{order}/photos", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("为核查事项上传照片"),
             description=gettext_noop("multipart/form-data，字段 `photo`：JPG 或 PNG（按内容检查）。需要 city:act 权限范围。"))
def check_photo_add(request, check_id: int, order: int, photo: UploadedFile = PHOTO_FILE):
    need(request, Scope.CITY_ACT)

    def run():
        check = get_object_or_404(onsite_selectors.checks_visible_to(request.user), pk=check_id)
        item = get_object_or_404(check.items, order=order)
        try:
            facts = inspect_photo(photo)
        except PhotoRejected as rejected:
            raise ApiError(422, rejected.message, [{"field": "photo", "message": rejected.message}]) from None
        op = onsite_ops.PhotoAdd(item, upload=photo, facts=facts)
        try:
            return _run_operation(request, op, name="check_photo.add")
        except BaseException:
            op.discard_written()  # a refused or failed upload leaves no file behind
            raise

    # A multipart body cannot be read again once parsed: the request's fingerprint takes the photo's bytes.
    digest = hashlib.sha256()
    for chunk in photo.chunks():
        digest.update(chunk)
    photo.seek(0)
    return _idempotent(request, run, body=f"photo {order} {photo.name} {digest.hexdigest()}".encode())


@router.post("/onsite-checks/{check_id}/photos/{photo_id}/delete", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("删除核查照片"), description=gettext_noop("需要 city:act 权限范围。"))
def check_photo_delete(request, check_id: int, photo_id: int):
    need(request, Scope.CITY_ACT)

    def run():
        check = get_object_or_404(onsite_selectors.checks_visible_to(request.user), pk=check_id)
        photo = get_object_or_404(CheckPhoto.objects.select_related("item"), pk=photo_id, item__onsite_check=check)
        return _run_operation(request, onsite_ops.PhotoDelete(photo), name="check_photo.delete")

    return _idempotent(request, run)


# --- 专家评审 (read) ----------------------------------------------------------------------------------------------

class AssignmentOut(Schema):
    id: int
    application_id: int
    expert: str
    status: str
    status_label: str
    is_leader: bool
    assigned_at: dt.datetime
    submitted_at: dt.datetime | None


@router.get("/applications/{application_id}/assignments", response={200: list[AssignmentOut], **READ_ERRORS},
            summary=gettext_noop("一份申报的专家评审任务"), tags=["申报"])
def application_assignments(request, application_id: int):
    need(request, Scope.READ)
    application = _visible_application(request, application_id)
    rows = _listed(request, "assignment", expert_selectors.assignments_visible_to(request.user)
                   .filter(application=application).order_by("assigned_at", "pk"))
    return [{"id": a.pk, "application_id": a.application_id, "expert": a.expert.display_name, "status": a.status,
             "status_label": a.get_status_display(), "is_leader": a.is_leader, "assigned_at": a.assigned_at,
             "submitted_at": a.submitted_at} for a in rows]


class AssignmentActionIn(Schema):
    reason: str = Field("", max_length=2000, description=gettext_noop("撤回、退回重评的原因"))


ASSIGNMENT_ACTIONS = {"withdraw": (expert_ops.AssignmentWithdraw, "withdrawn"),  # the audit rows' actions
                      "set_leader": (expert_ops.AssignmentSetLeader, "leader_set"),
                      "reopen": (expert_ops.AssignmentReopen, "reopened")}


@router.post("/assignments/{assignment_id}/actions/{action}", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("撤回专家、指定组长、退回重评"),
             description=gettext_noop("`withdraw`：因利害关系撤回（回避，须写明关系，记入专家库）；`set_leader`：指定专家组组长；"
                                      "`reopen`：退回专家重新评分（须写原因）。需要 city:act 权限范围。"))
def assignment_action(request, assignment_id: int, action: Literal["withdraw", "set_leader", "reopen"],
                      payload: AssignmentActionIn = OPTIONAL_BODY):
    need(request, Scope.CITY_ACT)
    payload = payload or AssignmentActionIn()
    operation_class, name = ASSIGNMENT_ACTIONS[action]

    def run():
        assignment = get_object_or_404(expert_selectors.assignments_visible_to(request.user), pk=assignment_id)
        params = {} if action == "set_leader" else {"reason": payload.reason}
        return _run_operation(request, operation_class(assignment, **params), name=name,
                              application=assignment.application)

    return _idempotent(request, run)


# --- batch actions -------------------------------------------------------------------------------------------

class BatchIn(Schema):
    action: Literal["city_receive", "formal_pass", "formal_fail"] = Field(
        description=gettext_noop("受理 / 形式审查通过 / 形式审查不通过"))
    application_ids: list[ObjectId] = Field(min_length=1, max_length=MAX_BATCH, description=gettext_noop("申报编号（最多 1000 个）"))
    reason: str = Field("", max_length=2000, description=gettext_noop("意见（形式审查不通过须填写，用于全部申报）"))


class BatchItemOut(Schema):
    position: int
    application_id: int
    enterprise: str
    ok: bool | None
    message: str
    from_status: str
    to_status: str


class BatchOut(Schema):
    id: int
    action: str
    action_label: str
    total: int
    succeeded: int
    failed: int
    pending: int
    finished: bool
    created_at: dt.datetime
    finished_at: dt.datetime | None
    items: list[BatchItemOut]


def _batch_out(run, limit: int = 100, offset: int = 0) -> dict:
    items = run.items.order_by("position")[offset:offset + limit]
    return {"id": run.pk, "action": run.action, "action_label": run.action_label, "total": run.total,
            "succeeded": run.succeeded, "failed": run.failed, "pending": run.pending,
            "finished": run.finished_at is not None, "created_at": run.created_at, "finished_at": run.finished_at,
            "items": [{"position": i.position, "application_id": i.application_id, "enterprise": i.enterprise,
                       "ok": i.ok, "message": i.message, "from_status": i.from_status, "to_status": i.to_status}
                      for i in items]}


@router.post("/batches", response={200: BatchOut, **ERRORS},
             summary=gettext_noop("批量办理（受理、形式审查通过/不通过）"),
             description=gettext_noop("对所列申报逐件办理同一操作（与页面上的批量操作相同：后台分段办理，逐件检查，"
                                      "逐件记录结果）；所列申报须均在当前账号的可见范围内。进度与逐件结果见 "
                                      "GET /batches/{id}。需要 city:act 权限范围。"))
def batch_start(request, payload: BatchIn):
    need(request, Scope.CITY_ACT)

    def run():
        if not review_services.may_batch(request.user, payload.action):
            raise PermissionDenied(gettext("当前账号无权进行此操作"))
        wanted = visible_applications(request, payload.application_ids)
        visible = application_selectors.applications_visible_to(request.user).filter(pk__in=wanted)
        # The run names the token (shown on its page; a worker's item rows cannot carry it); no page filters.
        batch = review_services.batch_run(
            applications=visible, action=payload.action, user=request.user, reason=payload.reason, filters={},
            filters_text=gettext("开放接口（令牌 %(token)s）：%(n)s 份申报") % {"token": request.auth.pk,
                                                                          "n": len(wanted)})
        return _batch_out(batch)

    return _idempotent(request, run)


@router.get("/batches/{batch_id}", response={200: BatchOut, **READ_ERRORS},
            summary=gettext_noop("批量办理的进度与逐件结果"))
def batch_detail(request, batch_id: int, limit: int = Query(100, ge=1, le=MAX_BATCH),
                 offset: int = Query(0, ge=0, le=1_000_000)):
    need(request, Scope.READ)
    run = get_object_or_404(review_selectors.batch_runs_visible_to(request.user), pk=batch_id)
    return _batch_out(run, limit, offset)


# --- 集体决策 ---------------------------------------------------------------------------------------------------

class CollectiveDecisionIn(Schema):
    meeting_name: str = Field("", max_length=200)
    meeting_date: dt.date | None = None
    attendees: str = Field("", max_length=2000)
    document_number: str = Field("", max_length=100)
    note: str = Field("", max_length=4000)
    conclusion_ids: list[ObjectId] = Field(min_length=1, max_length=MAX_BATCH, description=gettext_noop("所附评审结论的编号"))


@router.post("/calls/{call_id}/collective-decisions", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("记录集体决策"),
             description=gettext_noop("会议名称、日期和参会人员，或文号；附于所选申报的最新评审结论。"
                                      "需要 city:act 权限范围。"))
def collective_decision(request, call_id: int, payload: CollectiveDecisionIn):
    need(request, Scope.CITY_ACT)

    def run():
        call = get_object_or_404(Call, pk=call_id)
        wanted = set(payload.conclusion_ids)
        missing = wanted - set(decision_selectors.conclusions_visible_to(request.user)
                               .filter(pk__in=wanted).values_list("pk", flat=True))
        if missing:
            raise ApiError(404, gettext("以下编号的评审结论不存在，或当前令牌无权查看："),
                           [{"field": "conclusion_ids", "message": "、".join(map(str, sorted(missing)[:50]))}])
        op = decision_ops.CollectiveDecisionRecord(call, **payload.dict(exclude={"conclusion_ids"}),
                                                   conclusion_ids=sorted(wanted))
        return _run_operation(request, op, name="collective_decision.record")

    return _idempotent(request, run)


# --- 公示 --------------------------------------------------------------------------------------------------------

class PublicityIn(Schema):
    title: str = Field(max_length=200)
    intro: str = Field("", max_length=4000)
    start_date: dt.date
    working_days: int = Field(5, ge=1, le=60)
    short_period_reason: str = Field("", max_length=2000)
    contact_office: str = Field(max_length=100)
    contact_phone: str = Field(max_length=50)
    contact_email: str = Field("", max_length=254)
    contact_address: str = Field("", max_length=200)

    @field_validator("start_date")
    @classmethod
    def _plausible(cls, value: dt.date) -> dt.date:
        if not 2000 <= value.year <= 2100:  # the working-day calendar is computed from it
            raise ValueError("out of range")
        return value


class PublicityEntryOut(Schema):
    application_id: int
    enterprise: str
    outcome: str


class PublicityOut(Schema):
    id: int
    call: str
    title: str
    status: str
    status_label: str
    start_date: dt.date
    end_date: dt.date
    working_days: int
    entries: list[PublicityEntryOut]


def _publicity_out(publicity) -> dict:
    return {"id": publicity.pk, "call": publicity.call.code, "title": publicity.title, "status": publicity.status,
            "status_label": publicity.get_status_display(), "start_date": publicity.start_date,
            "end_date": publicity.end_date, "working_days": publicity.working_days,
            "entries": [{"application_id": e.application_id, "enterprise": e.application.enterprise.name,
                         "outcome": e.outcome} for e in publicity_selectors.publicity_entries(publicity)]}


def _visible_publicity(request, publicity_id: int):
    return get_object_or_404(publicity_selectors.publicities_visible_to(request.user).select_related("call"),
                             pk=publicity_id)


@router.get("/calls/{call_id}/publicities", response={200: list[PublicityOut], **READ_ERRORS},
            summary=gettext_noop("一个批次的公示（含草稿）"), tags=["公示"])
def call_publicities(request, call_id: int):
    need(request, Scope.READ)
    call = get_object_or_404(Call, pk=call_id)
    rows = _listed(request, "publicity", publicity_selectors.publicities_visible_to(request.user)
                   .filter(call=call).select_related("call").order_by("start_date", "pk"))
    return [_publicity_out(p) for p in rows]


@router.get("/publicities/{publicity_id}", response={200: PublicityOut, **READ_ERRORS},
            summary=gettext_noop("一份公示及其名单"), tags=["公示"])
def publicity_detail(request, publicity_id: int):
    need(request, Scope.READ)
    return _publicity_out(_visible_publicity(request, publicity_id))


@router.post("/calls/{call_id}/publicities", response={200: ActionOut, **ERRORS}, tags=["公示"],
             summary=gettext_noop("新建公示（草稿）"),
             description=gettext_noop("公示期按工作日（含节假日与调休）计算；少于 5 个工作日须写理由。"
                                      "需要 city:act 权限范围。"))
def publicity_create(request, call_id: int, payload: PublicityIn):
    need(request, Scope.CITY_ACT)

    def run():
        call = get_object_or_404(Call, pk=call_id)
        return _run_operation(request, publicity_ops.PublicityCreate(call, **payload.dict()), name="publicity.create")

    return _idempotent(request, run)


class PublicityUpdateIn(Schema):
    title: str | None = Field(None, max_length=200)
    intro: str | None = Field(None, max_length=4000)
    start_date: dt.date | None = None
    working_days: int | None = Field(None, ge=1, le=60)
    short_period_reason: str | None = Field(None, max_length=2000)
    contact_office: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=50)
    contact_email: str | None = Field(None, max_length=254)
    contact_address: str | None = Field(None, max_length=200)

    @field_validator("start_date")
    @classmethod
    def _plausible(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not 2000 <= value.year <= 2100:  # the working-day calendar is computed from it
            raise ValueError("out of range")
        return value


@router.post("/publicities/{publicity_id}/update", response={200: ActionOut, **ERRORS}, tags=["公示"],
             summary=gettext_noop("修改公示信息（草稿）"),
             description=gettext_noop("只改所给的字段；公示期按工作日重新计算。需要 city:act 权限范围。"))
def publicity_update(request, publicity_id: int, payload: PublicityUpdateIn):
    need(request, Scope.CITY_ACT)

    def run():
        publicity = _visible_publicity(request, publicity_id)
        changes = payload.dict(exclude_none=True)
        return _run_operation(request, publicity_ops.PublicityUpdate(publicity, **changes), name="publicity.update")

    return _idempotent(request, run)


class EntriesIn(Schema):
    application_ids: list[ObjectId] = Field(min_length=1, max_length=MAX_BATCH)


@router.post("/publicities/{publicity_id}/entries", response={200: ActionOut, **ERRORS}, tags=["公示"],
             summary=gettext_noop("列入公示名单"))
def publicity_add_entries(request, publicity_id: int, payload: EntriesIn):
    need(request, Scope.CITY_ACT)

    def run():
        publicity = _visible_publicity(request, publicity_id)
        visible = visible_applications(request, payload.application_ids)
        op = publicity_ops.PublicityAddEntries(publicity, application_ids=sorted(visible))
        return _run_operation(request, op, name="publicity.add_entries")

    return _idempotent(request, run)


@router.post("/publicities/{publicity_id}/entries/{application_id}/remove", response={200: ActionOut, **ERRORS},
             tags=["公示"], summary=gettext_noop("移出公示名单（草稿）"),
             description=gettext_noop("需要 city:act 权限范围。"))
def publicity_remove_entry(request, publicity_id: int, application_id: int):
    need(request, Scope.CITY_ACT)

    def run():
        publicity = _visible_publicity(request, publicity_id)
        entry = get_object_or_404(publicity.entries, application_id=application_id)
        return _run_operation(request, publicity_ops.PublicityRemoveEntry(publicity, entry=entry),
                              name="publicity.remove_entry")

    return _idempotent(request, run)


PUBLICITY_ACTIONS = {"delete": (publicity_ops.PublicityDelete, "publicity.delete"),
                     "publish": (publicity_ops.PublicityPublish, "publicity.publish"),
                     "close": (publicity_ops.PublicityClose, "publicity.close"),
                     "finalise": (publicity_ops.PublicityFinalise, "publicity.finalise")}


@router.post("/publicities/{publicity_id}/actions/{action}", response={200: ActionOut, **ERRORS}, tags=["公示"],
             summary=gettext_noop("删除草稿、发布公示、公示期满、认定"),
             description=gettext_noop("`delete`：删除未发布的草稿；`publish`：发布（名单与公示期冻结，名单上的申报转为拟认定）；"
                                      "`close`：公示期满；`finalise`：认定并公布认定名单。需要 city:act 权限范围。"))
def publicity_action(request, publicity_id: int, action: Literal["delete", "publish", "close", "finalise"]):
    need(request, Scope.CITY_ACT)
    operation_class, name = PUBLICITY_ACTIONS[action]

    def run():
        publicity = _visible_publicity(request, publicity_id)
        return _run_operation(request, operation_class(publicity), name=name)

    return _idempotent(request, run)


__all__ = ["STEP_ACTIONS", "router"]
