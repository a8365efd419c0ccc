"""Business rules for expert review: the pool, rubrics, assignment with conflict exclusion, sealed scoring,
reconsideration and completion. Views, commands and the demo call these; none decides a rule on its own.

Every change of an application's state goes through ``applications.services.application_transition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import State, state_label
from tidu.core.errors import TiduError
from tidu.core.models import AuditEntry
from tidu.core.operations import AuditRecord, write_audit
from tidu.enterprises.models import Enterprise
from tidu.experts import coi, permissions, rubrics, selectors
from tidu.experts.models import (
    Assignment,
    Criterion,
    CriterionScore,
    ExpertProfile,
    ExpertRelation,
    ExpertReviewResult,
    Rubric,
)
from tidu.experts.scoring import fmt_points, parse_points
from tidu.notifications.services import notify
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

COMMENTS_MAX = 3000
Status = Assignment.Status


class ExpertsError(TiduError):
    """A refused operation; ``message`` is shown to the user as it is (Chinese)."""


class ScoreInvalid(ExpertsError):
    """Some score boxes (or the comments) are wrong; ``errors`` maps criterion id (or "comments") to a message."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(f"有 {len(errors)} 处需要修改，请按提示更正（已填写的内容仍保留在表单中）")



def _assignment_audit(assignment, action: str, user, *, reason: str = "", total=None):
    return write_audit(user, AuditRecord(
        object_type="assignment", object_id=assignment.pk, action=action, reason=reason,
        application_id=assignment.application_id, to_status=assignment.status,
        detail={"total": None if total is None else str(total)}))

def _require_city(user) -> None:
    if not permissions.is_city(user):
        raise PermissionDenied


def _review_link(application: Application) -> str:
    return reverse("experts:review", args=[application.pk])


# --- the pool ----------------------------------------------------------------------------------------

PROFILE_FIELDS = ("title", "expertise", "employer_name", "employer_enterprise", "unit", "is_active", "note")


@transaction.atomic
def expert_account_create(*, user, username: str, name: str, email: str = "", phone: str = "") -> User:
    """A new login with role 评审专家 and no usable password: the expert sets one through 找回密码."""
    _require_city(user)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ExpertsError(f"用户名“{username}”已被使用")
    expert = User(username=username, role=User.Role.EXPERT, first_name=name.strip(), email=email.strip(),
                  phone=phone.strip())
    expert.set_unusable_password()
    expert.save()
    return expert


@transaction.atomic
def profile_create(*, user, expert: User, data: Mapping) -> ExpertProfile:
    _require_city(user)
    if expert.role != User.Role.EXPERT:
        raise ExpertsError(f"“{expert.display_name}”的角色不是评审专家，不能加入专家库")
    if ExpertProfile.objects.filter(user=expert).exists():
        raise ExpertsError(f"“{expert.display_name}”已在专家库中")
    return ExpertProfile.objects.create(user=expert, **{k: data[k] for k in PROFILE_FIELDS if k in data})


@transaction.atomic
def profile_update(*, user, profile: ExpertProfile, data: Mapping) -> ExpertProfile:
    _require_city(user)
    for key in PROFILE_FIELDS:
        if key in data:
            setattr(profile, key, data[key])
    profile.save()
    return profile


def find_enterprise(text: str) -> Enterprise | None:
    """The enterprise with exactly this name (width- and space-insensitive) or 统一社会信用代码."""
    text = (text or "").strip()
    if not text:
        return None
    found = Enterprise.objects.filter(credit_code__iexact=text).first() or Enterprise.objects.filter(name=text).first()
    if found is not None:
        return found
    wanted = coi.normalise_name(text)
    for pk, name in Enterprise.objects.values_list("pk", "name"):
        if coi.normalise_name(name) == wanted:
            return Enterprise.objects.get(pk=pk)
    return None


@transaction.atomic
def relation_declare(*, user, profile: ExpertProfile, enterprise: Enterprise, kind: str,
                     note: str = "") -> ExpertRelation:
    """Record a relationship (the expert about themselves, or the city for them); it excludes the expert."""
    if not (permissions.is_city(user) or (permissions.is_expert(user) and profile.user_id == user.pk)):
        raise PermissionDenied
    if kind not in ExpertRelation.Kind.values:
        raise ExpertsError("请选择关联关系的类型")
    relation, created = ExpertRelation.objects.get_or_create(
        profile=profile, enterprise=enterprise, kind=kind, defaults={"note": note.strip()[:500], "declared_by": user})
    if not created and note.strip():
        relation.note = note.strip()[:500]
        relation.save(update_fields=["note"])
    return relation


@transaction.atomic
def relation_remove(*, user, relation: ExpertRelation) -> None:
    """Only the city removes a declared relation (an expert cannot quietly undo their own declaration)."""
    _require_city(user)
    relation.delete()


# --- rubrics -----------------------------------------------------------------------------------------

def rubric_ensure(call: Call, tier: str, user=None) -> Rubric:
    """The call's rubric for ``tier``, created from the default table (§4.5) the first time it is needed."""
    rubric = Rubric.objects.filter(call=call, tier=tier).first()
    if rubric is not None:
        return rubric
    policy = call_policy_for(call)
    tier_def = policy.find_tier(tier)
    tier_name = tier_def["name"] if tier_def else tier
    with transaction.atomic():
        rubric, created = Rubric.objects.get_or_create(call=call, tier=tier, defaults={
            "title": rubrics.default_title(call.title, tier_name), "source": rubrics.DEFAULT_SOURCE,
            "note": rubrics.default_note(tier, tier_name), "outlier_points": rubrics.DEFAULT_OUTLIER_POINTS,
            "created_by": user if user is not None and user.is_authenticated else None})
        if created:
            Criterion.objects.bulk_create(
                Criterion(rubric=rubric, order=(n + 1) * 10, name=name, max_points=Decimal(points), guidance=guidance)
                for n, (name, points, guidance) in enumerate(rubrics.DEFAULT_CRITERIA))
    return rubric


def _locked_rubric(rubric: Rubric) -> Rubric:
    """Lock the rubric row; refuse when a score has been submitted."""
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.is_locked:
        raise ExpertsError("已有专家提交评分，评分表已锁定，评分项和分值不能再修改")
    return rubric


SETTING_FIELDS = ("title", "note", "experts_per_application", "trim_extremes", "outlier_points", "exclude_same_unit",
                  "city_sees_scores_before_complete")


@transaction.atomic
def rubric_settings_update(*, user, rubric: Rubric, data: Mapping) -> Rubric:
    """Settings may change at any time, except the trimming rule once a score is in (it changes the result)."""
    _require_city(user)
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.is_locked and "trim_extremes" in data and bool(data["trim_extremes"]) != rubric.trim_extremes:
        raise ExpertsError("已有专家提交评分，“去掉最高分和最低分”不能再修改")
    for key in SETTING_FIELDS:
        if key in data:
            setattr(rubric, key, data[key])
    rubric.save()
    return rubric


@transaction.atomic
def criterion_add(*, user, rubric: Rubric, name: str, max_points: Decimal, guidance: str = "") -> Criterion:
    _require_city(user)
    rubric = _locked_rubric(rubric)
    last = rubric.criteria.aggregate(m=Max("order"))["m"] or 0
    return Criterion.objects.create(rubric=rubric, order=last + 10, name=name.strip(), max_points=max_points,
                                    guidance=guidance.strip())


@transaction.atomic
def criterion_update(*, user, criterion: Criterion, name: str, max_points: Decimal, guidance: str = "") -> Criterion:
    _require_city(user)
    _locked_rubric(criterion.rubric)
    criterion.name, criterion.max_points, criterion.guidance = name.strip(), max_points, guidance.strip()
    criterion.save()
    # A draft score above the new maximum is no longer valid: clear it so the expert re-enters it.
    CriterionScore.objects.filter(criterion=criterion, points__gt=max_points).update(points=None)
    return criterion


@transaction.atomic
def criterion_delete(*, user, criterion: Criterion) -> None:
    _require_city(user)
    rubric = _locked_rubric(criterion.rubric)
    if rubric.criteria.count() <= 1:
        raise ExpertsError("评分表至少保留一个评分项")
    CriterionScore.objects.filter(criterion=criterion).delete()  # only drafts can exist while unlocked
    criterion.delete()


@transaction.atomic
def criterion_move(*, user, criterion: Criterion, direction: str) -> None:
    """Swap a criterion with its neighbour ("up" or "down") and renumber 10, 20, 30…"""
    _require_city(user)
    rubric = _locked_rubric(criterion.rubric)
    ordered = list(rubric.criteria.order_by("order", "id"))
    index = next(i for i, c in enumerate(ordered) if c.pk == criterion.pk)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if other is None or not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for n, item in enumerate(ordered):
        Criterion.objects.filter(pk=item.pk).update(order=(n + 1) * 10)


# --- assignment --------------------------------------------------------------------------------------

def _notify_assigned(assignments: Iterable[Assignment]) -> None:
    for assignment in assignments:
        application = assignment.application
        notify([assignment.expert], kind="experts.assigned", title="新的专家评审任务",
               body=(f"市经信局邀请您评审“{application.enterprise.name}”的{application.call.title}申报。"
                     "如与该企业存在利害关系，请在评分页面声明回避。"),
               link=reverse("experts:score", args=[assignment.pk]))


@transaction.atomic
def assign_experts(*, application: Application, user, experts: Iterable[User] | None = None,
                   count: int | None = None) -> list[Assignment]:
    """Assign experts to an application that passed 形式审查 (or add more while review runs).

    ``experts`` is the city's own choice; without it the system picks ``count`` (default: the rubric's
    number per application, less those already assigned) from the eligible experts with the fewest open
    tasks. Experts with a conflict of interest are refused with their reasons. The first assignment starts
    expert review (``expert_start``); every assigned expert is notified.
    """
    _require_city(user)
    application = Application.objects.select_for_update().select_related("enterprise__organisation", "call").get(
        pk=application.pk)
    if application.status not in (State.FORMAL_PASSED, State.EXPERT_REVIEW):
        raise ExpertsError(f"申报当前状态为“{state_label(application.status)}”，只有形式审查通过（或专家评审中）"
                           "的申报才能选派专家")
    rubric = rubric_ensure(application.call, application.tier, user)
    if not rubric.criteria.exists():
        raise ExpertsError("评分表还没有评分项，请先设置评分表")
    eligible, excluded = selectors.candidates(application, rubric)
    if experts is None:
        active = application.expert_assignments.filter(status__in=Assignment.ACTIVE_STATUSES).count()
        wanted = count if count is not None else max(rubric.experts_per_application - active, 0)
        if wanted < 1:
            raise ExpertsError("请填写要选派的专家人数")
        if len(eligible) < wanted:
            raise ExpertsError(f"可选派的专家只有 {len(eligible)} 位，不足 {wanted} 位；请扩充专家库或手动选择")
        chosen = [candidate.user for candidate in selectors.auto_pick(eligible, wanted)]
    else:
        chosen = list(dict.fromkeys(experts))
        if not chosen:
            raise ExpertsError("请至少选择一位专家")
        by_user = {c.user.pk: c for c in eligible}
        refused = {c.user.pk: c for c in excluded}
        problems = []
        for expert in chosen:
            if expert.pk in refused:
                problems.append(f"{expert.display_name}：{'；'.join(refused[expert.pk].reasons)}")
            elif expert.pk not in by_user:
                problems.append(f"{expert.display_name}：不在可选派的专家中（未入库、已停用或已选派）")
        if problems:
            raise ExpertsError("以下专家不能选派：", problems)
    created = []
    for expert in chosen:
        assignment = Assignment.objects.create(application=application, expert=expert, rubric=rubric,
                                               assigned_by=user)
        _assignment_audit(assignment, "assigned", user)
        created.append(assignment)
    if application.status == State.FORMAL_PASSED:
        application_services.application_transition(application=application, action="expert_start", user=user)
    _notify_assigned(created)
    return created


# --- scoring -----------------------------------------------------------------------------------------

def validate_scores(criteria: list[Criterion], raw: Mapping, comments: str, *, final: bool
                    ) -> tuple[dict[int, Decimal | None], dict]:
    values, errors = {}, {}
    for criterion in criteria:
        value, error = parse_points(raw.get(criterion.pk, raw.get(str(criterion.pk))), criterion.max_points)
        if error:
            errors[criterion.pk] = error
        elif value is None and final:
            errors[criterion.pk] = "提交前请填写本项得分"
        values[criterion.pk] = value
    if len(comments) > COMMENTS_MAX:
        errors["comments"] = f"评审意见不能超过 {COMMENTS_MAX} 字（现有 {len(comments)} 字）"
    elif final and not comments.strip():
        errors["comments"] = "提交前请填写评审意见"
    return values, errors


def score_save(*, assignment: Assignment, user, raw: Mapping, comments: str = "", submit: bool = False) -> Assignment:
    """Save the expert's scores as a draft, or submit them (final: read-only afterwards).

    ``raw`` maps criterion id to the text typed. Invalid input raises ``ScoreInvalid`` and nothing is
    stored. The total is always recomputed here from the stored points, whatever the page showed.
    """
    comments = (comments or "").strip()
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("application", "rubric").get(
            pk=assignment.pk)
        if not permissions.owns(user, assignment):
            raise PermissionDenied
        if assignment.status == Status.SUBMITTED:
            raise ExpertsError("评分已提交，不能再修改")
        if assignment.status == Status.WITHDRAWN:
            raise ExpertsError("您已声明回避，本任务已撤回")
        if assignment.application.status != State.EXPERT_REVIEW:
            raise ExpertsError(f"申报当前状态为“{assignment.application.status_label}”，不在专家评审阶段")
        rubric = Rubric.objects.select_for_update().get(pk=assignment.rubric_id)
        criteria = list(rubric.criteria.all())
        values, errors = validate_scores(criteria, raw, comments, final=submit)
        if errors:
            raise ScoreInvalid(errors)
        for criterion in criteria:
            CriterionScore.objects.update_or_create(assignment=assignment, criterion=criterion,
                                                    defaults={"points": values[criterion.pk]})
        now = timezone.now()
        assignment.total = sum((v for v in values.values() if v is not None), Decimal("0"))
        assignment.comments = comments
        assignment.saved_at = now
        if submit:
            assignment.status = Status.SUBMITTED
            assignment.submitted_at = now
            if rubric.locked_at is None:
                rubric.locked_at = now
                rubric.save(update_fields=["locked_at"])
            _assignment_audit(assignment, "submitted", user, total=assignment.total)
        assignment.save()
        if submit:
            _notify_if_all_in(assignment.application)
    return assignment


def _notify_if_all_in(application: Application) -> None:
    state = selectors.review_state(application)
    if not state.all_in:
        return
    rounds = AuditEntry.objects.filter(object_type="assignment", application_id=application.pk,
                                       action="submitted").count()
    notify(selectors.city_users(), kind="experts.all_in", title="专家评分已全部提交",
           body=f"“{application.enterprise.name}”的 {state.total} 位专家已全部提交评分，请核对后完成专家评审。",
           link=_review_link(application), dedupe_key=f"experts.all_in:{application.pk}:{rounds}")


def conflict_declare(*, assignment: Assignment, user, reason: str) -> Assignment:
    """The expert declares a conflict (回避): the task is withdrawn, the relation recorded, the city told."""
    reason = (reason or "").strip()
    if not reason:
        raise ExpertsError("请说明与申报企业的利害关系")
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related(
            "application__enterprise", "expert").get(pk=assignment.pk)
        if not permissions.owns(user, assignment):
            raise PermissionDenied
        if assignment.status == Status.WITHDRAWN:
            raise ExpertsError("本任务已撤回")
        if assignment.status == Status.SUBMITTED:
            raise ExpertsError("评分已提交；如需回避，请联系市经信局退回复核后再声明")
        assignment.status = Status.WITHDRAWN
        assignment.withdrawn_reason = reason
        assignment.save(update_fields=["status", "withdrawn_reason"])
        CriterionScore.objects.filter(assignment=assignment).delete()
        _assignment_audit(assignment, "withdrawn", user, reason=reason)
        profile = ExpertProfile.objects.filter(user=user).first()
        if profile is not None:
            relation_declare(user=user, profile=profile, enterprise=assignment.application.enterprise,
                             kind=ExpertRelation.Kind.CONFLICT, note=reason)
        application = assignment.application
        notify(selectors.city_users(), kind="experts.conflict", title="专家声明回避",
               body=(f"{user.display_name} 就“{application.enterprise.name}”的申报声明回避，评审任务已撤回。"
                     f"\n说明：{reason}\n请另行选派专家。"),
               link=_review_link(application))
    return assignment


def assignment_reopen(*, assignment: Assignment, user, reason: str) -> Assignment:
    """The city asks one expert to reconsider a submitted score (退回复核), before completing the review."""
    _require_city(user)
    reason = (reason or "").strip()
    if not reason:
        raise ExpertsError("请写明请专家复核的原因")
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("application__enterprise", "expert").get(
            pk=assignment.pk)
        if assignment.application.status != State.EXPERT_REVIEW:
            raise ExpertsError(f"申报当前状态为“{assignment.application.status_label}”，不能退回专家复核")
        if assignment.status != Status.SUBMITTED:
            raise ExpertsError("只能退回已提交的评分")
        _assignment_audit(assignment, "reopened", user, reason=reason, total=assignment.total)
        assignment.status = Status.REOPENED
        assignment.submitted_at = None
        assignment.reopen_reason = reason
        assignment.save(update_fields=["status", "submitted_at", "reopen_reason"])
        notify([assignment.expert], kind="experts.reopened", title="评分退回复核",
               body=(f"市经信局请您复核对“{assignment.application.enterprise.name}”的评分"
                     f"（原总分 {fmt_points(assignment.total)}）。\n原因：{reason}"),
               link=reverse("experts:score", args=[assignment.pk]))
    return assignment


def review_complete(*, application: Application, user, note: str = "") -> ExpertReviewResult:
    """Record the aggregate and perform ``expert_complete``; opens the on-site check (现场核查).

    Refused while any assigned expert has not submitted. When a total is flagged as an outlier the city
    must explain how it was reconciled (``note``); the note stays internal (not sent to the enterprise).
    """
    from tidu.onsite import services as onsite_services  # onsite builds on expert review, not the reverse

    _require_city(user)
    note = (note or "").strip()
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("enterprise", "call").get(
            pk=application.pk)
        if application.status != State.EXPERT_REVIEW:
            raise ExpertsError(f"申报当前状态为“{state_label(application.status)}”，不能完成专家评审")
        state = selectors.review_state(application)
        if not state.assignments:
            raise ExpertsError("尚未选派专家")
        if not state.all_in:
            raise ExpertsError("还有专家未提交评分：", [a.expert.display_name for a in state.pending])
        result = selectors.aggregate_state(state)
        if result.outliers and not note:
            raise ExpertsError(f"有 {len(result.outliers)} 份评分与其他专家偏离超过 {fmt_points(state.rubric.outlier_points)} 分，"
                               "请先请专家复核，或在“处理说明”中写明核对情况后再完成")
        rows = {row.key: row for row in result.rows}
        detail = {
            "criteria": [{"id": c.pk, "name": c.name, "max": str(c.max_points),
                          "mean": str(result.criterion_means.get(c.pk, ""))} for c in state.rubric.criteria.all()],
            "totals": [{"assignment": a.pk, "expert": a.expert.username, "total": str(a.total),
                        "outlier": rows[a.pk].outlier, "dropped": rows[a.pk].dropped,
                        "median_others": str(rows[a.pk].median_others) if rows[a.pk].median_others is not None
                        else None} for a in state.assignments],
            "outlier_points": str(state.rubric.outlier_points),
        }
        record = ExpertReviewResult.objects.create(
            application=application, rubric=state.rubric, expert_count=result.count, mean_total=result.mean,
            trimmed=result.trimmed, detail=detail, note=note, completed_by=user)
        application_services.application_transition(application=application, action="expert_complete", user=user)
        onsite_services.check_open(application=application, user=user)
    return record


def latest_result(application: Application) -> ExpertReviewResult | None:
    return application.expert_results.select_related("completed_by").first()
