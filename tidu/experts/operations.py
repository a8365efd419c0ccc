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
from django.utils.translation import gettext, gettext_noop

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
    PanelOpinion,
    ReviewSession,
    Rubric,
)
from tidu.experts.scoring import fmt_points, parse_points, parse_scale, scale_error
from tidu.notifications.messages import text
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
        return gettext("当前状态为“%(state_of)s”，不能“%(label)s”") % {
                "state_of": self.state_of(obj), "label": gettext(self.transition.label)}


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
            return refused(gettext("评分已提交，不能再修改"))
        if obj.status == Status.WITHDRAWN:
            return refused(gettext("您已声明回避，本任务已撤回"))
        return ALLOWED

    def rules_check(self, user, obj) -> Check:
        if obj.application.status != workflow.SCORING_APPLICATION_STATE:
            return refused(gettext("申报当前状态为“%(status_label)s”，不在专家评审阶段") % {
                    "status_label": obj.application.status_label})
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
    label = gettext_noop("保存评分草稿")
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["save"]
    audit_action = "saved"  # sealed scoring: a draft's points and total stay out of the record


@operation_class
class AssignmentSubmit(_ExpertScoring):
    name = "assignment.submit"
    label = gettext_noop("提交评分")
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
    notify(selectors.city_users(), kind="experts.all_in", title=text(gettext_noop("专家评分已全部提交")),
           body=text(gettext_noop("“%(name)s”的 %(total)s 位专家已全部提交评分，请核对后完成专家评审。"),
                     name=application.enterprise.name, total=state.total),
           link=reverse("experts:review", args=[application.pk]),
           dedupe_key=f"experts.all_in:{application.pk}:{rounds}")


@operation_class
class AssignmentWithdraw(_AssignmentOperation):
    """回避: the expert declares a conflict while scoring, or the city withdraws an expert found to have one
    (also after submission, until the review is completed). The task is withdrawn, the relation recorded (so
    the expert stays excluded from this enterprise), and the other side told; the city then replaces the
    expert from the eligible pool (the assign page offers the next ones while the panel is below quorum).
    """

    name = "assignment.withdraw"
    label = gettext_noop("回避")
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["withdraw"]
    audit_action = "withdrawn"

    def _check(self, user, obj) -> Check:
        verdict = super()._check(user, obj)
        if verdict and role_of(user) == "expert" and obj.status == Status.SUBMITTED:
            return refused(gettext("评分已提交；如需回避，请联系市经信局退回复核后再声明"))
        return verdict

    def state_check(self, obj) -> Check:
        if obj.status == Status.WITHDRAWN:
            return refused(gettext("本任务已撤回"))
        if obj.application.status not in workflow.ASSIGNABLE_APPLICATION_STATES:
            return refused(gettext("申报当前状态为“%(status_label)s”，专家组不能再变动") % {
                    "status_label": obj.application.status_label})
        return super().state_check(obj)

    def validate(self, user, obj) -> None:
        self.params["reason"] = (self.params.get("reason") or "").strip()
        if not self.params["reason"]:
            raise ExpertsError(gettext("请说明与申报企业的利害关系"))

    def perform(self, user, obj) -> Assignment:
        reason = self.params["reason"]
        by_expert = role_of(user) == "expert"
        obj.status = Status.WITHDRAWN
        obj.withdrawn_reason = reason
        obj.is_leader = False
        obj.save(update_fields=["status", "withdrawn_reason", "is_leader"])
        if by_expert:
            CriterionScore.objects.filter(assignment=obj).delete()  # a draft: nothing was submitted
        profile = ExpertProfile.objects.filter(user=obj.expert).first()
        if profile is not None:
            # The relation is a change of the pool of its own, recorded by its own operation.
            RelationDeclare(profile, enterprise=obj.application.enterprise, kind=ExpertRelation.Kind.CONFLICT,
                            note=reason).execute(user)
        application = obj.application
        if by_expert:
            notify(selectors.city_users(), kind="experts.conflict", title=text(gettext_noop("专家声明回避")),
                   body=[text(gettext_noop("%(expert)s 就“%(name)s”的申报声明回避，评审任务已撤回。"),
                              expert=user.display_name, name=application.enterprise.name),
                         text(gettext_noop("说明：%(reason)s"), reason=reason),
                         text(gettext_noop("请另行选派专家。"))],
                   link=reverse("experts:assign", args=[application.pk]))
        else:
            notify([obj.expert], kind="experts.withdrawn", title=text(gettext_noop("评审任务已撤回")),
                   body=[text(gettext_noop("因利益冲突，市经信局已撤回您对“%(name)s”的评审任务。"),
                              name=application.enterprise.name),
                         text(gettext_noop("说明：%(reason)s"), reason=reason)],
                   link=reverse("experts:my_assignments"))
        return obj


@operation_class
class AssignmentSetLeader(_AssignmentOperation):
    """The city names one assigned expert the panel leader (专家组组长); any earlier leader steps down."""

    name = "assignment.set_leader"
    label = gettext_noop("指定专家组组长")
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["set_leader"]
    audit_action = "leader_set"

    def state_check(self, obj) -> Check:
        if obj.application.status not in workflow.ASSIGNABLE_APPLICATION_STATES:
            return refused(gettext("申报当前状态为“%(status_label)s”，专家组不能再变动") % {
                    "status_label": obj.application.status_label})
        if obj.status == Status.WITHDRAWN:
            return refused(gettext("该专家已回避"))
        if obj.is_leader:
            return refused(gettext("该专家已是专家组组长"))
        return super().state_check(obj)

    def perform(self, user, obj) -> Assignment:
        self.before = list(Assignment.objects.filter(application_id=obj.application_id, is_leader=True)
                           .exclude(pk=obj.pk).values_list("expert__username", flat=True))
        Assignment.objects.filter(application_id=obj.application_id, is_leader=True).update(is_leader=False)
        obj.is_leader = True
        obj.save(update_fields=["is_leader"])
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = {"leader": obj.expert.username, "previous": self.before}
        return record


@operation_class
class AssignmentReopen(_AssignmentOperation):
    """The city asks one expert to reconsider a submitted score (退回复核), before completing the review."""

    name = "assignment.reopen"
    label = gettext_noop("退回复核")
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["reopen"]
    audit_action = "reopened"

    def state_check(self, obj) -> Check:
        if obj.application.status != workflow.SCORING_APPLICATION_STATE:
            return refused(gettext("申报当前状态为“%(status_label)s”，不能退回专家复核") % {
                    "status_label": obj.application.status_label})
        if obj.status != Status.SUBMITTED:
            return refused(gettext("只能退回已提交的评分"))
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.params["reason"] = (self.params.get("reason") or "").strip()
        if not self.params["reason"]:
            raise ExpertsError(gettext("请写明请专家复核的原因"))

    def perform(self, user, obj) -> Assignment:
        obj.status = Status.REOPENED
        obj.submitted_at = None
        obj.reopen_reason = self.params["reason"]
        obj.save(update_fields=["status", "submitted_at", "reopen_reason"])
        notify([obj.expert], kind="experts.reopened", title=text(gettext_noop("评分退回复核")),
               body=[text(gettext_noop("市经信局请您复核对“%(name)s”的评分（原总分 %(total)s）。"),
                          name=obj.application.enterprise.name, total=fmt_points(obj.total)),
                     text(gettext_noop("原因：%(reason)s"), reason=self.params["reason"])],
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
    label = gettext_noop("选派专家")
    object_type = "assignment"
    transition = workflow.ASSIGNMENT_TRANSITIONS_BY_ACTION["assign"]

    def state_check(self, obj) -> Check:
        if obj.status not in workflow.ASSIGNABLE_APPLICATION_STATES:
            return refused(gettext("申报当前状态为“%(state)s”，只有形式审查通过（或专家评审中）的申报才能选派专家") % {
                    "state": gettext(state_label(obj.status))})
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.rubric = rubric_ensure(obj.call, obj.tier, user)
        if not self.rubric.criteria.exists():
            raise ExpertsError(gettext("评分表还没有评分项，请先设置评分表"))
        expert = self.params["expert"]
        eligible, excluded = selectors.candidates(obj, self.rubric)
        if expert.pk in {c.user.pk for c in eligible}:
            return
        reasons = {c.user.pk: c.reasons for c in excluded}
        problem = (gettext("%(name)s：%(reasons)s") % {"name": expert.display_name,
                                                      "reasons": gettext("；").join(reasons[expert.pk])}
                   if expert.pk in reasons else
                   gettext("%(name)s：不在可选派的专家中（未入库、已停用或已选派）") % {"name": expert.display_name})
        raise ExpertsError(gettext("以下专家不能选派："), [problem])

    def perform(self, user, obj) -> Assignment:
        assignment = Assignment.objects.create(application=obj, expert=self.params["expert"], rubric=self.rubric,
                                               assigned_by=user)
        if obj.status == State.FORMAL_PASSED:
            application_services.application_transition(application=obj, action="expert_start", user=user)
            obj.refresh_from_db()
        notify([assignment.expert], kind="experts.assigned", title=text(gettext_noop("新的专家评审任务")),
               body=text(gettext_noop("市经信局邀请您评审“%(name)s”的%(call)s申报。"
                                      "如与该企业存在利害关系，请在评分页面声明回避。"),
                         name=obj.enterprise.name, call=obj.call.title),
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
    label = gettext_noop("专家评审完成")
    object_type = "expert_review"
    transition = workflow.REVIEW_COMPLETE

    def state_check(self, obj) -> Check:
        if obj.status not in self.transition.sources:
            return refused(gettext("申报当前状态为“%(state)s”，不能完成专家评审") % {
                    "state": gettext(state_label(obj.status))})
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.params["reason"] = (self.params.get("note") or "").strip()
        self.state = selectors.review_state(obj)
        if not self.state.assignments:
            raise ExpertsError(gettext("尚未选派专家"))
        if not self.state.all_in:
            raise ExpertsError(gettext("还有专家未提交评分："), [a.expert.display_name for a in self.state.pending])
        if self.state.conflicted:
            raise ExpertsError(gettext("以下专家与申报企业存在利益冲突，请先撤回其评审任务（回避）并另行选派："),
                               [f"{a.expert.display_name}：{'；'.join(self.state.conflicts[a.pk])}"
                                for a in self.state.conflicted])
        self.quorum_reason = ""
        quorum, counted = self.state.quorum, self.state.submitted_count
        if counted < quorum:
            self.quorum_reason = (self.params.get("quorum_override_reason") or "").strip()
            if not self.quorum_reason:
                withdrawn = (gettext("（另有 %(n)s 位已回避）") % {"n": len(self.state.withdrawn)}
                             if self.state.withdrawn else "")
                raise ExpertsError(gettext("专家人数不足：评分表要求每份申报由 %(quorum)s 位专家评审，已提交评分的只有 %(counted)s 位%(withdrawn)s。请先增派专家；确需以现有专家完成的，请写明少于法定人数完成的理由（将记入评审结果和操作日志）") % {
                        "quorum": quorum, "counted": counted, "withdrawn": withdrawn})
        self.result = selectors.aggregate_state(self.state)
        if self.result.outliers and not self.params["reason"]:
            raise ExpertsError(gettext("有 %(n)s 份评分与其他专家偏离超过 %(fmt_points)s 分，请先请专家复核，或在“处理说明”中写明核对情况后再完成") % {
                    "n": len(self.result.outliers),
                    "fmt_points": fmt_points(self.state.rubric.outlier_points)})

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
            "comments": [{"assignment": a.pk, "expert": a.expert.username, "comments": a.comments}
                         for a in state.assignments],
            "leader": state.leader.expert.username if state.leader else None,
        }
        opinion = PanelOpinion.objects.filter(application=obj).first()
        # The panel opinion is frozen from here on: the result keeps the text as it stood at completion.
        record = ExpertReviewResult.objects.create(
            application=obj, rubric=state.rubric, expert_count=result.count, mean_total=result.mean,
            trimmed=result.trimmed, detail=detail, note=self.params["reason"], completed_by=user,
            quorum=state.quorum, quorum_override_reason=self.quorum_reason,
            panel_opinion=opinion.text if opinion else "")
        # The application's own transition (and its own audit row and event): the scores are not sent to the
        # enterprise, so no reason goes with it.
        application_services.application_transition(application=obj, action="expert_complete", user=user)
        obj.refresh_from_db()
        return record

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        # The 操作日志 shows the reason column: a completion below quorum names its override reason there too.
        reason = "\n".join(filter(None, (
            f"少于法定人数完成：{result.quorum_override_reason}" if result.quorum_override_reason else "",
            result.note)))
        return AuditRecord(object_type="expert_review", object_id=result.pk, application_id=obj.pk,
                           action=self.name, from_status=before, to_status=obj.status, reason=reason,
                           detail={"mean_total": str(result.mean_total), "expert_count": result.expert_count,
                                   "trimmed": result.trimmed, "quorum": result.quorum,
                                   "below_quorum": result.expert_count < result.quorum,
                                   "quorum_override_reason": result.quorum_override_reason,
                                   "panel_opinion": result.panel_opinion})


@operation_class
class PanelOpinionRecord(_OnApplication):
    """Write or change the panel's opinion (专家组意见, params ``text``): the panel leader (an assigned expert the
    city named 组长) or a city officer, once the scores are unsealed, until the review is completed."""

    name = "panel_opinion.record"
    label = gettext_noop("填写专家组意见")
    object_type = "panel_opinion"
    transition = workflow.PANEL_OPINION

    def in_scope(self, user, obj) -> bool:
        if role_of(user) != "expert":
            return True
        return obj.expert_assignments.filter(expert=user, is_leader=True,
                                             status__in=Assignment.ACTIVE_STATUSES).exists()

    def state_check(self, obj) -> Check:
        if obj.status != workflow.SCORING_APPLICATION_STATE:
            if PanelOpinion.objects.filter(application=obj).exists() or obj.expert_results.exists():
                return refused(gettext("专家评审已完成，专家组意见不能再修改"))
            return refused(gettext("申报当前状态为“%(state)s”，不能填写专家组意见") % {
                    "state": gettext(state_label(obj.status))})
        return ALLOWED

    def rules_check(self, user, obj) -> Check:
        state = selectors.review_state(obj)
        if not selectors.scores_visible(user, state):
            return refused(gettext("全部专家提交评分（评分解封）后才能填写专家组意见"))
        return ALLOWED

    def validate(self, user, obj) -> None:
        self.text = (self.params.get("text") or "").strip()
        if not self.text:
            raise ExpertsError(gettext("请填写专家组意见"))
        if len(self.text) > COMMENTS_MAX:
            raise ExpertsError(gettext("专家组意见不能超过 %(COMMENTS_MAX)s 字（现有 %(n)s 字）") % {
                    "COMMENTS_MAX": COMMENTS_MAX, "n": len(self.text)})

    def perform(self, user, obj) -> PanelOpinion:
        opinion = PanelOpinion.objects.select_for_update().filter(application=obj).first()
        self.before = opinion.text if opinion else None
        if opinion is None:
            return PanelOpinion.objects.create(application=obj, text=self.text, written_by=user)
        if opinion.text == self.text:
            self.unchanged = True
            return opinion
        opinion.text = self.text
        opinion.written_by = user
        opinion.save(update_fields=["text", "written_by", "updated_at"])
        return opinion

    def state_of(self, obj) -> str:
        return ""

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type="panel_opinion", object_id=result.pk, application_id=obj.pk, action=self.name,
                           from_status="" if self.before is None else "recorded", to_status="recorded",
                           detail={"text": result.text, "before": self.before})


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
    label = gettext_noop("新建专家账号")
    object_type = "user"
    transition = workflow.POOL_ACTIONS_BY_ACTION["account_create"]

    def lock(self) -> None:
        return None  # nothing exists yet; the username's uniqueness is the database's to keep

    def validate(self, user, obj) -> None:
        self.username = (self.params.get("username") or "").strip()
        if User.objects.filter(username__iexact=self.username).exists():
            raise ExpertsError(gettext("用户名“%(username)s”已被使用") % {"username": self.username})

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
    label = gettext_noop("加入专家库")
    object_type = "expert_profile"
    model = User
    transition = workflow.POOL_ACTIONS_BY_ACTION["profile_create"]

    def state_of(self, obj) -> str:
        return ""

    def validate(self, user, obj) -> None:
        if obj.role != User.Role.EXPERT:
            raise ExpertsError(gettext("“%(display_name)s”的角色不是评审专家，不能加入专家库") % {
                    "display_name": obj.display_name})
        if ExpertProfile.objects.filter(user=obj).exists():
            raise ExpertsError(gettext("“%(display_name)s”已在专家库中") % {"display_name": obj.display_name})

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
    label = gettext_noop("修改专家信息")
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
    label = gettext_noop("登记关联关系")
    object_type = "expert_relation"
    model = ExpertProfile
    transition = workflow.POOL_ACTIONS_BY_ACTION["relation_declare"]

    def in_scope(self, user, obj) -> bool:
        return role_of(user) != "expert" or obj.user_id == user.pk

    def state_of(self, obj) -> str:
        return ""

    def validate(self, user, obj) -> None:
        if self.params.get("kind") not in ExpertRelation.Kind.values:
            raise ExpertsError(gettext("请选择关联关系的类型"))

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
    label = gettext_noop("删除关联关系")
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
    label = gettext_noop("建立评分表")
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
                Criterion(rubric=rubric, order=(n + 1) * 10, name=name, max_points=Decimal(points), guidance=guidance,
                          allowed_points=rubrics.DEFAULT_SCALES.get(name, ""))
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
    label = gettext_noop("修改评分表设置")
    object_type = "rubric"
    model = Rubric
    transition = workflow.POOL_ACTIONS_BY_ACTION["rubric_update"]

    def state_of(self, obj) -> str:
        return _rubric_state(obj)

    def validate(self, user, obj) -> None:
        data: Mapping = self.params.get("data") or {}
        if obj.is_locked and "trim_extremes" in data and bool(data["trim_extremes"]) != obj.trim_extremes:
            raise ExpertsError(gettext("已有专家提交评分，“去掉最高分和最低分”不能再修改"))
        self.params["reason"] = (self.params.get("reason") or "").strip()
        unsealing = bool(data.get("city_sees_scores_before_complete")) and not obj.city_sees_scores_before_complete
        if unsealing and not self.params["reason"]:
            raise ExpertsError(gettext("开启“全部提交前市经信局可查看分数”须写明原因（将记入操作日志）"))

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
            return refused(gettext("已有专家提交评分，评分表已锁定，评分项和分值不能再修改"))
        return ALLOWED

    def criterion(self, obj) -> Criterion:
        return Criterion.objects.select_for_update().get(pk=self.params["criterion"].pk, rubric=obj)

    def validate_scale(self) -> None:
        """The criterion's scale (params ``allowed_points`` text, ``step``): on 0..满分, one kind at most."""
        max_points = self.params["max_points"]
        values, error = parse_scale(self.params.get("allowed_points"), max_points)
        if error:
            raise ExpertsError(gettext("“允许的分值”中%(error)s") % {"error": error})
        step = self.params.get("step")
        if step is not None and not Decimal("0") < step <= max_points:
            raise ExpertsError(gettext("“分值步长”应大于 0 且不超过满分 %(fmt_points)s 分（填写了 %(fmt_points2)s）") % {
                    "fmt_points": fmt_points(max_points), "fmt_points2": fmt_points(step)})
        if values and step is not None:
            raise ExpertsError(gettext("“允许的分值”和“分值步长”只能填写一项"))
        self.allowed_points = ",".join(fmt_points(v) for v in values or [])
        self.step = step

    def scale_detail(self, criterion: Criterion) -> dict:
        return {"allowed_points": criterion.allowed_points, "step": None if criterion.step is None
                else str(criterion.step)}

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = self.detail
        return record


@operation_class
class CriterionAdd(_CriterionOperation):
    name = "rubric.criterion_add"
    label = gettext_noop("添加评分项")

    def validate(self, user, obj) -> None:
        self.validate_scale()

    def perform(self, user, obj) -> Criterion:
        last = obj.criteria.aggregate(m=Max("order"))["m"] or 0
        criterion = Criterion.objects.create(rubric=obj, order=last + 10, name=self.params["name"].strip(),
                                             max_points=self.params["max_points"],
                                             guidance=(self.params.get("guidance") or "").strip(),
                                             allowed_points=self.allowed_points, step=self.step)
        self.detail = {"criterion": criterion.pk, "name": criterion.name, "max_points": str(criterion.max_points),
                       **self.scale_detail(criterion)}
        return criterion


@operation_class
class CriterionUpdate(_CriterionOperation):
    name = "rubric.criterion_update"
    label = gettext_noop("修改评分项")

    def validate(self, user, obj) -> None:
        self.validate_scale()

    def perform(self, user, obj) -> Criterion:
        criterion = self.criterion(obj)
        before = {"name": criterion.name, "max_points": str(criterion.max_points), "guidance": criterion.guidance,
                  **self.scale_detail(criterion)}
        criterion.name = self.params["name"].strip()
        criterion.max_points = self.params["max_points"]
        criterion.guidance = (self.params.get("guidance") or "").strip()
        criterion.allowed_points = self.allowed_points
        criterion.step = self.step
        criterion.save()
        # A draft score above the new maximum or off the new scale is no longer valid: clear it so the expert
        # re-enters it.
        stale = [score.pk for score in CriterionScore.objects.filter(criterion=criterion, points__isnull=False)
                 if score.points > criterion.max_points
                 or scale_error(score.points, allowed=criterion.allowed_values, step=criterion.step)]
        cleared = CriterionScore.objects.filter(pk__in=stale).update(points=None)
        self.detail = {"criterion": criterion.pk, "before": before, "cleared_drafts": cleared,
                       "after": {"name": criterion.name, "max_points": str(criterion.max_points),
                                 "guidance": criterion.guidance, **self.scale_detail(criterion)}}
        return criterion


@operation_class
class CriterionDelete(_CriterionOperation):
    name = "rubric.criterion_delete"
    label = gettext_noop("删除评分项")

    def validate(self, user, obj) -> None:
        if obj.criteria.count() <= 1:
            raise ExpertsError(gettext("评分表至少保留一个评分项"))

    def perform(self, user, obj) -> None:
        criterion = self.criterion(obj)
        self.detail = {"criterion": criterion.pk, "name": criterion.name, "max_points": str(criterion.max_points)}
        CriterionScore.objects.filter(criterion=criterion).delete()  # only drafts can exist while unlocked
        criterion.delete()


@operation_class
class CriterionMove(_CriterionOperation):
    """Swap a criterion with its neighbour ("up" or "down") and renumber 10, 20, 30…"""

    name = "rubric.criterion_move"
    label = gettext_noop("调整评分项顺序")

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
        typed = raw.get(criterion.pk, raw.get(str(criterion.pk)))
        value, error = parse_points(typed, criterion.max_points)
        if error is None and value is not None:
            error = scale_error(value, allowed=criterion.allowed_values, step=criterion.step, typed=typed or "")
            if error:
                error = f"“{criterion.name}”{error}"
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
        return forbidden(gettext("不是市经信局人员或在库专家"))
    application = check.application
    rubric = Rubric.objects.filter(call_id=application.call_id, tier=application.tier).first()
    reasons = coi.conflict_reasons(profile, application.enterprise,
                                   exclude_same_unit=rubric.exclude_same_unit if rubric else True)
    return refused("；".join(reasons)) if reasons else ALLOWED


# --- review sessions (评审会) ---------------------------------------------------------------------------

SESSION_FIELDS = ("name", "date", "place")


def _session_detail(session: ReviewSession) -> dict:
    return {"call": session.call.code, "name": session.name, "date": session.date.isoformat(), "place": session.place,
            "experts": sorted(session.experts.values_list("username", flat=True)),
            "applications": sorted(session.applications.values_list("pk", flat=True))}


class _SessionOperation(_PoolOperation):
    """Params ``data``: name, date, place, experts (users with role 评审专家 in the pool), applications (of the
    session's call, past submission)."""

    object_type = "review_session"

    def session_call(self, obj) -> Call:
        return obj

    def validate(self, user, obj) -> None:
        data: Mapping = self.params.get("data") or {}
        call = self.session_call(obj)
        name = (data.get("name") or "").strip()
        if not name:
            raise ExpertsError(gettext("请填写会议名称"))
        if len(name) > 200:
            raise ExpertsError(gettext("会议名称不能超过 200 个字（现为 %(n)s 个字）") % {"n": len(name)})
        if not data.get("date"):
            raise ExpertsError(gettext("请填写评审会日期"))
        place = (data.get("place") or "").strip()
        if len(place) > 200:
            raise ExpertsError(gettext("地点不能超过 200 个字（现为 %(n)s 个字）") % {"n": len(place)})
        pooled = set(ExpertProfile.objects.values_list("user_id", flat=True))
        for expert in data.get("experts") or ():
            if expert.role != User.Role.EXPERT or expert.pk not in pooled:
                raise ExpertsError(gettext("“%(display_name)s”不在专家库中，不能列为参会专家") % {
                        "display_name": expert.display_name})
        for application in data.get("applications") or ():
            if application.call_id != call.pk:
                raise ExpertsError(gettext("“%(name)s”的申报不属于“%(title)s”，不能列入本次评审会") % {
                        "name": application.enterprise.name, "title": call.title})
            if application.status == State.DRAFT:
                raise ExpertsError(gettext("“%(name)s”的申报尚未提交，不能列入评审会") % {
                        "name": application.enterprise.name})
        self.cleaned = {"name": name, "date": data["date"], "place": place,
                        "experts": list(data.get("experts") or ()), "applications": list(data.get("applications") or ())}

    def write(self, session: ReviewSession) -> ReviewSession:
        for key in SESSION_FIELDS:
            setattr(session, key, self.cleaned[key])
        session.save()
        session.experts.set(self.cleaned["experts"])
        session.applications.set(self.cleaned["applications"])
        return session


@operation_class
class ReviewSessionCreate(_SessionOperation):
    """A new 评审会 of the call (the object)."""

    name = "review_session.create"
    label = gettext_noop("新建评审会")
    model = Call
    transition = workflow.POOL_ACTIONS_BY_ACTION["session_create"]

    def state_of(self, obj) -> str:
        return ""

    def perform(self, user, obj) -> ReviewSession:
        return self.write(ReviewSession(call=obj, created_by=user))

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return self.audit_record(obj, object_id=result.pk, to_status="scheduled", detail=_session_detail(result))


@operation_class
class ReviewSessionUpdate(_SessionOperation):
    """Change a 评审会: its name, date, place, experts or applications (before and after recorded)."""

    name = "review_session.update"
    label = gettext_noop("修改评审会")
    model = ReviewSession
    transition = workflow.POOL_ACTIONS_BY_ACTION["session_update"]

    def state_of(self, obj) -> str:
        return ""

    def session_call(self, obj) -> Call:
        return obj.call

    def perform(self, user, obj) -> ReviewSession:
        self.before = _session_detail(obj)
        return self.write(obj)

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        after = _session_detail(result)
        return self.audit_record(obj, object_id=result.pk, to_status="scheduled",
                                 detail={"changes": {k: [self.before[k], after[k]] for k in after
                                                     if self.before[k] != after[k]}})
