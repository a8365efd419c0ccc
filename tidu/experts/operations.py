"""Every change of state in expert review is one operation (see ``tidu.core.operations``).

Assignments follow ``workflow.ASSIGNMENT_TRANSITIONS``; the pool, conflict-of-interest relations and rubrics
follow ``workflow.POOL_ACTIONS``. Each ``execute`` locks its row, asks ``check`` again on the locked row,
validates, writes, and adds exactly one ``AuditEntry``. ``services`` keeps its functions as thin wrappers.

Assignment rows keep the audit verbs of the folded 评审任务记录 ("assigned", "submitted", "reopened",
"withdrawn"), so an assignment's history reads the same before and after the operations layer; every other
object is recorded under the operation's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from tidu.accounts import permissions as accounts
from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import State, Transition, state_label
from tidu.core.models import AuditEntry
from tidu.core.operations import (
    ALLOWED,
    AuditRecord,
    Check,
    TableOperation,
    forbidden,
    operation_class,
    refused,
    role_of,
)
from tidu.experts import coi, rubrics, selectors, workflow
from tidu.experts.errors import ExpertsError, ScoreInvalid
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
AssignmentState = workflow.AssignmentState


class _TableOperation(TableOperation):
    """An operation whose roles and source states come from one row of a lifecycle table."""

    transition: ClassVar[Transition]
    error_class = ExpertsError

    def state_refusal(self, obj) -> str:
        return f"当前状态为“{self.state_of(obj)}”，不能“{self.transition.label}”"


def owns(user, assignment: Assignment) -> bool:
    return accounts.is_expert(user) and assignment.expert_id == user.pk


# --- assignments -------------------------------------------------------------------------------------

class _AssignmentOperation(_TableOperation):
    object_type = "assignment"
    model = Assignment
    audit_action: ClassVar[str] = ""

    def in_scope(self, user, obj) -> bool:
        # An expert acts only on their own assignment; the city on any.
        return role_of(user) != "expert" or owns(user, obj)

    def lock(self) -> Assignment:
        return (Assignment.objects.select_for_update().select_related("application__enterprise", "expert", "rubric")
                .get(pk=self.obj.pk))

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.action = self.audit_action
        return record


class _ExpertScoring(_AssignmentOperation):
    """Saving or submitting scores: the expert's own open assignment, while the application is in expert review."""

    text_labels = {"raw": "评分"}

    def state_check(self, obj) -> Check:
        if obj.status == Status.SUBMITTED:
            return refused("评分已提交，不能再修改")
        if obj.status == Status.WITHDRAWN:
            return refused("您已声明回避，本任务已撤回")
        return ALLOWED

    def rules_check(self, user, obj) -> Check:
        if obj.application.status != workflow.SCORING_APPLICATION_STATE:
            return refused(f"申报当前状态为“{obj.application.status_label}”，不在专家评审阶段")
        return ALLOWED

    def validate(self, user, obj) -> None:
        # Lock the rubric too: the first submission locks it, and the criteria must not change underneath.
        self.rubric = Rubric.objects.select_for_update().get(pk=obj.rubric_id)
        self.criteria = list(self.rubric.criteria.all())
        self.comments = (self.params.get("comments") or "").strip()
        self.values, errors = validate_scores(self.criteria, self.params.get("raw") or {}, self.comments,
                                              final=self.final)
        if errors:
            raise ScoreInvalid(errors)

    final: ClassVar[bool] = False

    def perform(self, user, obj) -> Assignment:
        for criterion in self.criteria:
            CriterionScore.objects.update_or_create(assignment=obj, criterion=criterion,
                                                    defaults={"points": self.values[criterion.pk]})
        now = timezone.now()
        obj.total = sum((v for v in self.values.values() if v is not None), Decimal("0"))
        obj.comments = self.comments
        obj.saved_at = now
        if self.final:
            obj.status = Status.SUBMITTED
            obj.submitted_at = now
            if self.rubric.locked_at is None:
                self.rubric.locked_at = now
                self.rubric.save(update_fields=["locked_at"])
        obj.save()
        return obj


@operation_class
class AssignmentSave(_ExpertScoring):
    name = "assignment.save"
    label = "保存评分草稿"
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["save"]
    audit_action = "saved"  # sealed scoring: a draft's points and total stay out of the record


@operation_class
class AssignmentSubmit(_ExpertScoring):
    name = "assignment.submit"
    label = "提交评分"
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["submit"]
    audit_action = "submitted"
    final = True

    def perform(self, user, obj) -> Assignment:
        assignment = super().perform(user, obj)
        _notify_if_all_in(assignment.application)
        return assignment

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"total": str(obj.total)}
        return record


def _notify_if_all_in(application: Application) -> None:
    state = selectors.review_state(application)
    if not state.all_in:
        return
    # This submission's own audit row is written after perform: count it in (one round per full set of scores).
    rounds = AuditEntry.objects.filter(object_type="assignment", application_id=application.pk,
                                       action="submitted").count() + 1
    notify(selectors.city_users(), kind="experts.all_in", title="专家评分已全部提交",
           body=f"“{application.enterprise.name}”的 {state.total} 位专家已全部提交评分，请核对后完成专家评审。",
           link=reverse("experts:review", args=[application.pk]),
           dedupe_key=f"experts.all_in:{application.pk}:{rounds}")


@operation_class
class AssignmentWithdraw(_AssignmentOperation):
    """The expert declares a conflict (回避): the task is withdrawn, the relation recorded, the city told."""

    name = "assignment.withdraw"
    label = "声明回避"
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["withdraw"]
    audit_action = "withdrawn"

    def state_check(self, obj) -> Check:
        if obj.status == Status.WITHDRAWN:
            return refused("本任务已撤回")
        if obj.status == Status.SUBMITTED:
            return refused("评分已提交；如需回避，请联系市经信局退回复核后再声明")
        return super().state_check(obj)

    def validate(self, user, obj) -> None:
        self.params["reason"] = (self.params.get("reason") or "").strip()
        if not self.params["reason"]:
            raise ExpertsError("请说明与申报企业的利害关系")

    def perform(self, user, obj) -> Assignment:
        reason = self.params["reason"]
        obj.status = Status.WITHDRAWN
        obj.withdrawn_reason = reason
        obj.save(update_fields=["status", "withdrawn_reason"])
        CriterionScore.objects.filter(assignment=obj).delete()
        profile = ExpertProfile.objects.filter(user=user).first()
        if profile is not None:
            # The relation is a change of the pool of its own, recorded by its own operation.
            RelationDeclare(profile, enterprise=obj.application.enterprise, kind=ExpertRelation.Kind.CONFLICT,
                            note=reason).execute(user)
        application = obj.application
        notify(selectors.city_users(), kind="experts.conflict", title="专家声明回避",
               body=(f"{user.display_name} 就“{application.enterprise.name}”的申报声明回避，评审任务已撤回。"
                     f"\n说明：{reason}\n请另行选派专家。"),
               link=reverse("experts:review", args=[application.pk]))
        return obj


@operation_class
class AssignmentReopen(_AssignmentOperation):
    """The city asks one expert to reconsider a submitted score (退回复核), before completing the review."""

    name = "assignment.reopen"
    label = "退回复核"
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["reopen"]
    audit_action = "reopened"

    def state_check(self, obj) -> Check:
        if obj.application.status != workflow.SCORING_APPLICATION_STATE:
            return refused(f"申报当前状态为“{obj.application.status_label}”，不能退回专家复核")
        if obj.status != Status.SUBMITTED:
            return refused("只能退回已提交的评分")
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.params["reason"] = (self.params.get("reason") or "").strip()
        if not self.params["reason"]:
            raise ExpertsError("请写明请专家复核的原因")

    def perform(self, user, obj) -> Assignment:
        obj.status = Status.REOPENED
        obj.submitted_at = None
        obj.reopen_reason = self.params["reason"]
        obj.save(update_fields=["status", "submitted_at", "reopen_reason"])
        notify([obj.expert], kind="experts.reopened", title="评分退回复核",
               body=(f"市经信局请您复核对“{obj.application.enterprise.name}”的评分"
                     f"（原总分 {fmt_points(obj.total)}）。\n原因：{self.params['reason']}"),
               link=reverse("experts:score", args=[obj.pk]))
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"total": None if obj.total is None else str(obj.total)}
        return record


# --- on the application: assigning and completing ----------------------------------------------------

class _OnApplication(_TableOperation):
    model = Application

    def lock(self) -> Application:
        return (Application.objects.select_for_update().select_related("enterprise__organisation", "call")
                .get(pk=self.obj.pk))


@operation_class
class ExpertAssign(_OnApplication):
    """Assign one expert (params ``expert``) to an application that passed 形式审查 or is in expert review.

    The first assignment starts expert review (the application's own ``expert_start``); the expert is told.
    An expert with a conflict of interest, outside the active pool or already assigned is refused.
    """

    name = "expert.assign"
    label = "选派专家"
    object_type = "assignment"
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["assign"]

    def state_check(self, obj) -> Check:
        if obj.status not in workflow.ASSIGNABLE_APPLICATION_STATES:
            return refused(f"申报当前状态为“{state_label(obj.status)}”，只有形式审查通过（或专家评审中）"
                           "的申报才能选派专家")
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.rubric = rubric_ensure(obj.call, obj.tier, user)
        if not self.rubric.criteria.exists():
            raise ExpertsError("评分表还没有评分项，请先设置评分表")
        expert = self.params["expert"]
        eligible, excluded = selectors.candidates(obj, self.rubric)
        if expert.pk in {c.user.pk for c in eligible}:
            return
        reasons = {c.user.pk: c.reasons for c in excluded}
        problem = (f"{expert.display_name}：{'；'.join(reasons[expert.pk])}" if expert.pk in reasons
                   else f"{expert.display_name}：不在可选派的专家中（未入库、已停用或已选派）")
        raise ExpertsError("以下专家不能选派：", [problem])

    def perform(self, user, obj) -> Assignment:
        assignment = Assignment.objects.create(application=obj, expert=self.params["expert"], rubric=self.rubric,
                                               assigned_by=user)
        if obj.status == State.FORMAL_PASSED:
            application_services.application_transition(application=obj, action="expert_start", user=user)
            obj.refresh_from_db()
        notify([assignment.expert], kind="experts.assigned", title="新的专家评审任务",
               body=(f"市经信局邀请您评审“{obj.enterprise.name}”的{obj.call.title}申报。"
                     "如与该企业存在利害关系，请在评分页面声明回避。"),
               link=reverse("experts:score", args=[assignment.pk]))
        return assignment

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="assignment", object_id=result.pk, application_id=obj.pk, action="assigned",
                           to_status=result.status, detail={"expert": result.expert.username, "total": None})


@operation_class
class ExpertReviewComplete(_OnApplication):
    """Record the aggregate (专家评审结果) and perform the application's ``expert_complete``.

    Refused while any assigned expert has not submitted. When a total is flagged as an outlier the city
    must explain how it was reconciled (``note``); the note stays internal (not sent to the enterprise).
    The on-site check is opened by the on-site domain when it hears of ``expert_complete``.
    """

    name = "expert_review.complete"
    label = "专家评审完成"
    object_type = "expert_review"
    transition = workflow.REVIEW_COMPLETE

    def state_check(self, obj) -> Check:
        if obj.status not in self.transition.sources:
            return refused(f"申报当前状态为“{state_label(obj.status)}”，不能完成专家评审")
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.params["reason"] = (self.params.get("note") or "").strip()
        self.state = selectors.review_state(obj)
        if not self.state.assignments:
            raise ExpertsError("尚未选派专家")
        if not self.state.all_in:
            raise ExpertsError("还有专家未提交评分：", [a.expert.display_name for a in self.state.pending])
        self.result = selectors.aggregate_state(self.state)
        if self.result.outliers and not self.params["reason"]:
            raise ExpertsError(f"有 {len(self.result.outliers)} 份评分与其他专家偏离超过 "
                               f"{fmt_points(self.state.rubric.outlier_points)} 分，"
                               "请先请专家复核，或在“处理说明”中写明核对情况后再完成")

    def perform(self, user, obj) -> ExpertReviewResult:
        state, result = self.state, self.result
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
            application=obj, rubric=state.rubric, expert_count=result.count, mean_total=result.mean,
            trimmed=result.trimmed, detail=detail, note=self.params["reason"], completed_by=user)
        # The application's own transition (and its own audit row and event): the scores are not sent to the
        # enterprise, so no reason goes with it.
        application_services.application_transition(application=obj, action="expert_complete", user=user)
        obj.refresh_from_db()
        return record

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="expert_review", object_id=result.pk, application_id=obj.pk,
                           action=self.name, from_status=before, to_status=obj.status, reason=result.note,
                           detail={"mean_total": str(result.mean_total), "expert_count": result.expert_count,
                                   "trimmed": result.trimmed})


# --- the pool ----------------------------------------------------------------------------------------

PROFILE_FIELDS = ("title", "expertise", "employer_name", "employer_enterprise", "unit", "is_active", "note")


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


class _PoolOperation(_TableOperation):
    def audit_record(self, obj, **fields) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, action=self.name, **fields)


@operation_class
class ExpertAccountCreate(_PoolOperation):
    """A new login with role 评审专家 and no usable password: the expert sets one through 找回密码."""

    name = "expert_account.create"
    label = "新建专家账号"
    object_type = "user"
    transition = workflow.POOL_ACTIONS_BY_ACTION["account_create"]

    def lock(self) -> None:
        return None  # nothing exists yet; the username's uniqueness is the database's to keep

    def validate(self, user, obj) -> None:
        self.username = (self.params.get("username") or "").strip()
        if User.objects.filter(username__iexact=self.username).exists():
            raise ExpertsError(f"用户名“{self.username}”已被使用")

    def perform(self, user, obj) -> User:
        expert = User(username=self.username, role=User.Role.EXPERT,
                      first_name=(self.params.get("name") or "").strip(),
                      email=(self.params.get("email") or "").strip(), phone=(self.params.get("phone") or "").strip())
        expert.set_unusable_password()
        expert.save()
        return expert

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return self.audit_record(obj, object_id=result.pk, to_status="active",
                                 detail={"username": result.username, "role": result.role})


@operation_class
class ProfileCreate(_PoolOperation):
    """Add an expert account (the object) to the pool (专家库)."""

    name = "expert_profile.create"
    label = "加入专家库"
    object_type = "expert_profile"
    model = User
    transition = workflow.POOL_ACTIONS_BY_ACTION["profile_create"]

    def state_of(self, obj) -> str:
        return ""

    def validate(self, user, obj) -> None:
        if obj.role != User.Role.EXPERT:
            raise ExpertsError(f"“{obj.display_name}”的角色不是评审专家，不能加入专家库")
        if ExpertProfile.objects.filter(user=obj).exists():
            raise ExpertsError(f"“{obj.display_name}”已在专家库中")

    def perform(self, user, obj) -> ExpertProfile:
        data: Mapping = self.params.get("data") or {}
        return ExpertProfile.objects.create(user=obj, **{k: data[k] for k in PROFILE_FIELDS if k in data})

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return self.audit_record(obj, object_id=result.pk, to_status=_profile_state(result),
                                 detail={"user": obj.username,
                                         "fields": {k: _shown(getattr(result, k)) for k in PROFILE_FIELDS}})


def _profile_state(profile: ExpertProfile) -> str:
    return workflow.ProfileState.ACTIVE if profile.is_active else workflow.ProfileState.INACTIVE


@operation_class
class ProfileUpdate(_PoolOperation):
    """Change what the pool records about an expert; ``is_active`` off takes them out of selection (停用)."""

    name = "expert_profile.update"
    label = "修改专家信息"
    object_type = "expert_profile"
    model = ExpertProfile
    transition = workflow.POOL_ACTIONS_BY_ACTION["profile_update"]

    def state_of(self, obj) -> str:
        return _profile_state(obj)

    def perform(self, user, obj) -> ExpertProfile:
        data: Mapping = self.params.get("data") or {}
        self.changes = {}
        for key in PROFILE_FIELDS:
            if key in data and getattr(obj, key) != data[key]:
                self.changes[key] = [_shown(getattr(obj, key)), _shown(data[key])]
                setattr(obj, key, data[key])
        obj.save()
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"user": obj.user.username, "changes": self.changes}
        return record


@operation_class
class RelationDeclare(_PoolOperation):
    """Record a relationship (the expert about themselves, or the city for them); it excludes the expert.

    The object is the expert's profile; params ``enterprise``, ``kind``, ``note``.
    """

    name = "expert_relation.declare"
    label = "登记关联关系"
    object_type = "expert_relation"
    model = ExpertProfile
    transition = workflow.POOL_ACTIONS_BY_ACTION["relation_declare"]

    def in_scope(self, user, obj) -> bool:
        return role_of(user) != "expert" or obj.user_id == user.pk

    def state_of(self, obj) -> str:
        return ""

    def validate(self, user, obj) -> None:
        if self.params.get("kind") not in ExpertRelation.Kind.values:
            raise ExpertsError("请选择关联关系的类型")

    def perform(self, user, obj) -> ExpertRelation:
        note = (self.params.get("note") or "").strip()[:500]
        relation, self.created = ExpertRelation.objects.get_or_create(
            profile=obj, enterprise=self.params["enterprise"], kind=self.params["kind"],
            defaults={"note": note, "declared_by": user})
        if not self.created and note:
            relation.note = note
            relation.save(update_fields=["note"])
        return relation

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return self.audit_record(obj, object_id=result.pk, from_status="" if self.created else "declared",
                                 to_status="declared", reason=result.note,
                                 detail={"expert": obj.user.username, "enterprise": result.enterprise.name,
                                         "enterprise_id": result.enterprise_id, "kind": result.kind})


@operation_class
class RelationRemove(_PoolOperation):
    """Only the city removes a declared relation (an expert cannot quietly undo their own declaration)."""

    name = "expert_relation.remove"
    label = "删除关联关系"
    object_type = "expert_relation"
    model = ExpertRelation
    transition = workflow.POOL_ACTIONS_BY_ACTION["relation_remove"]

    def state_of(self, obj) -> str:
        return "declared" if obj.pk is not None else "removed"

    def perform(self, user, obj) -> dict:
        facts = {"id": obj.pk, "expert": obj.profile.user.username, "enterprise": obj.enterprise.name,
                 "enterprise_id": obj.enterprise_id, "kind": obj.kind, "note": obj.note}
        obj.delete()
        return facts

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return self.audit_record(obj, object_id=result["id"], from_status=before, to_status="removed",
                                 reason=str(self.params.get("reason", "") or ""),
                                 detail={k: v for k, v in result.items() if k != "id"})


# --- rubrics -----------------------------------------------------------------------------------------

def _rubric_state(rubric: Rubric) -> str:
    return workflow.RubricState.UNSEALED if rubric.city_sees_scores_before_complete else workflow.RubricState.SEALED


@operation_class
class RubricCreate(_PoolOperation):
    """The call's rubric for ``tier`` from the default table (§4.5); the object is the call."""

    name = "rubric.create"
    label = "建立评分表"
    object_type = "rubric"
    model = Call
    transition = workflow.POOL_ACTIONS_BY_ACTION["rubric_create"]

    def state_of(self, obj) -> str:
        return ""

    def _check(self, user, obj) -> Check:
        # Without a user, the platform itself opens the default table (a page or job needs the rubric to read);
        # the audit row then names no actor. Any user must be the city.
        if user is None:
            return ALLOWED
        return super()._check(user, obj)

    def perform(self, user, obj) -> Rubric:
        tier = self.params["tier"]
        tier_def = call_policy_for(obj).find_tier(tier)
        tier_name = tier_def["name"] if tier_def else tier
        rubric, created = Rubric.objects.get_or_create(call=obj, tier=tier, defaults={
            "title": rubrics.default_title(obj.title, tier_name), "source": rubrics.DEFAULT_SOURCE,
            "note": rubrics.default_note(tier, tier_name), "outlier_points": rubrics.DEFAULT_OUTLIER_POINTS,
            "created_by": user if getattr(user, "pk", None) else None})
        if created:
            Criterion.objects.bulk_create(
                Criterion(rubric=rubric, order=(n + 1) * 10, name=name, max_points=Decimal(points), guidance=guidance)
                for n, (name, points, guidance) in enumerate(rubrics.DEFAULT_CRITERIA))
        return rubric

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return self.audit_record(obj, object_id=result.pk, to_status=_rubric_state(result),
                                 detail={"call": obj.code, "tier": result.tier, "title": result.title})


def rubric_ensure(call: Call, tier: str, user=None) -> Rubric:
    """The call's rubric for ``tier``, created (by ``rubric.create``) the first time it is needed."""
    rubric = Rubric.objects.filter(call=call, tier=tier).first()
    if rubric is not None:
        return rubric
    return RubricCreate(call, tier=tier).execute(user)


SETTING_FIELDS = ("title", "note", "experts_per_application", "trim_extremes", "outlier_points", "exclude_same_unit",
                  "city_sees_scores_before_complete")


@operation_class
class RubricUpdate(_PoolOperation):
    """Settings may change at any time, except the trimming rule once a score is in (it changes the result).

    Letting the city see scores before every expert has submitted (unsealing early) needs a reason: the audit
    row records who switched it, when and why (from "sealed" to "unsealed").
    """

    name = "rubric.update"
    label = "修改评分表设置"
    object_type = "rubric"
    model = Rubric
    transition = workflow.POOL_ACTIONS_BY_ACTION["rubric_update"]

    def state_of(self, obj) -> str:
        return _rubric_state(obj)

    def validate(self, user, obj) -> None:
        data: Mapping = self.params.get("data") or {}
        if obj.is_locked and "trim_extremes" in data and bool(data["trim_extremes"]) != obj.trim_extremes:
            raise ExpertsError("已有专家提交评分，“去掉最高分和最低分”不能再修改")
        self.params["reason"] = (self.params.get("reason") or "").strip()
        unsealing = bool(data.get("city_sees_scores_before_complete")) and not obj.city_sees_scores_before_complete
        if unsealing and not self.params["reason"]:
            raise ExpertsError("开启“全部提交前市经信局可查看分数”须写明原因（将记入操作日志）")

    def perform(self, user, obj) -> Rubric:
        data: Mapping = self.params.get("data") or {}
        self.changes = {}
        for key in SETTING_FIELDS:
            if key in data and getattr(obj, key) != data[key]:
                self.changes[key] = [_shown(getattr(obj, key)), _shown(data[key])]
                setattr(obj, key, data[key])
        obj.save()
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"changes": self.changes}
        return record


class _CriterionOperation(_PoolOperation):
    """A change of the rubric's criteria (the object is the rubric): refused once a score has been submitted."""

    object_type = "rubric"
    model = Rubric
    transition = workflow.POOL_ACTIONS_BY_ACTION["criterion_change"]

    def state_of(self, obj) -> str:
        return ""

    def state_check(self, obj) -> Check:
        if obj.is_locked:
            return refused("已有专家提交评分，评分表已锁定，评分项和分值不能再修改")
        return ALLOWED

    def criterion(self, obj) -> Criterion:
        return Criterion.objects.select_for_update().get(pk=self.params["criterion"].pk, rubric=obj)

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = self.detail
        return record


@operation_class
class CriterionAdd(_CriterionOperation):
    name = "rubric.criterion_add"
    label = "添加评分项"

    def perform(self, user, obj) -> Criterion:
        last = obj.criteria.aggregate(m=Max("order"))["m"] or 0
        criterion = Criterion.objects.create(rubric=obj, order=last + 10, name=self.params["name"].strip(),
                                             max_points=self.params["max_points"],
                                             guidance=(self.params.get("guidance") or "").strip())
        self.detail = {"criterion": criterion.pk, "name": criterion.name, "max_points": str(criterion.max_points)}
        return criterion


@operation_class
class CriterionUpdate(_CriterionOperation):
    name = "rubric.criterion_update"
    label = "修改评分项"

    def perform(self, user, obj) -> Criterion:
        criterion = self.criterion(obj)
        before = {"name": criterion.name, "max_points": str(criterion.max_points), "guidance": criterion.guidance}
        criterion.name = self.params["name"].strip()
        criterion.max_points = self.params["max_points"]
        criterion.guidance = (self.params.get("guidance") or "").strip()
        criterion.save()
        # A draft score above the new maximum is no longer valid: clear it so the expert re-enters it.
        cleared = CriterionScore.objects.filter(criterion=criterion, points__gt=criterion.max_points).update(points=None)
        self.detail = {"criterion": criterion.pk, "before": before, "cleared_drafts": cleared,
                       "after": {"name": criterion.name, "max_points": str(criterion.max_points),
                                 "guidance": criterion.guidance}}
        return criterion


@operation_class
class CriterionDelete(_CriterionOperation):
    name = "rubric.criterion_delete"
    label = "删除评分项"

    def validate(self, user, obj) -> None:
        if obj.criteria.count() <= 1:
            raise ExpertsError("评分表至少保留一个评分项")

    def perform(self, user, obj) -> None:
        criterion = self.criterion(obj)
        self.detail = {"criterion": criterion.pk, "name": criterion.name, "max_points": str(criterion.max_points)}
        CriterionScore.objects.filter(criterion=criterion).delete()  # only drafts can exist while unlocked
        criterion.delete()


@operation_class
class CriterionMove(_CriterionOperation):
    """Swap a criterion with its neighbour ("up" or "down") and renumber 10, 20, 30…"""

    name = "rubric.criterion_move"
    label = "调整评分项顺序"

    def perform(self, user, obj) -> None:
        criterion = self.criterion(obj)
        direction = self.params.get("direction")
        ordered = list(obj.criteria.order_by("order", "id"))
        index = next(i for i, c in enumerate(ordered) if c.pk == criterion.pk)
        other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
        self.detail = {"criterion": criterion.pk, "direction": direction, "moved": False}
        if other is None or not 0 <= other < len(ordered):
            return
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for n, item in enumerate(ordered):
            Criterion.objects.filter(pk=item.pk).update(order=(n + 1) * 10)
        self.detail["moved"] = True
        self.detail["order"] = [item.pk for item in ordered]


# --- scores --------------------------------------------------------------------------------------------

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


# --- a rule the experts domain adds to on-site verification -------------------------------------------

ONSITE_INSPECTOR_OPERATION = "onsite_check.be_inspector"  # named, not imported: onsite does not know experts


def inspector_rule(user, check) -> Check:
    """An expert may inspect on site only from the active pool and without a conflict of interest.

    Added in ``ExpertsConfig.ready`` to the on-site domain's eligibility question; ``check`` is an on-site
    check (only its ``application`` is read). City officers are not this domain's concern.
    """
    if role_of(user) != "expert":
        return ALLOWED
    profile = (ExpertProfile.objects.filter(user=user, is_active=True, user__is_active=True)
               .select_related("unit").prefetch_related("relations").first())
    if profile is None:
        return forbidden("不是市经信局人员或在库专家")
    application = check.application
    rubric = Rubric.objects.filter(call_id=application.call_id, tier=application.tier).first()
    reasons = coi.conflict_reasons(profile, application.enterprise,
                                   exclude_same_unit=rubric.exclude_same_unit if rubric else True)
    return refused("；".join(reasons)) if reasons else ALLOWED
