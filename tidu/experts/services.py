"""Business rules for expert review: the pool, rubrics, assignment with conflict exclusion, sealed scoring,
reconsideration and completion. Views, commands and the demo call these; none decides a rule on its own.

Every change of state is an operation in ``tidu.experts.operations`` (checked, locked, audited once); the
functions here keep their signatures as thin wrappers. An application's own changes of state go through
``applications.services.application_transition``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from tidu.accounts.models import User
from tidu.applications.models import Application
from tidu.enterprises.models import Enterprise
from tidu.experts import coi, operations, selectors
from tidu.experts.errors import ExpertsError, ScoreInvalid
from tidu.experts.models import (
    Assignment,
    Criterion,
    ExpertProfile,
    ExpertRelation,
    ExpertReviewResult,
    PanelOpinion,
    Rubric,
)
from tidu.experts.operations import (
    COMMENTS_MAX,
    PROFILE_FIELDS,
    SETTING_FIELDS,
    rubric_ensure,
    validate_scores,
)

__all__ = ["COMMENTS_MAX", "PROFILE_FIELDS", "SETTING_FIELDS", "ExpertsError", "ScoreInvalid", "assign_experts",
           "assignment_reopen", "assignment_withdraw", "conflict_declare", "criterion_add", "criterion_delete", "criterion_move",
           "criterion_update", "expert_account_create", "find_enterprise", "latest_result", "leader_set", "panel_opinion_record", "profile_create",
           "profile_update", "relation_declare", "relation_remove", "review_complete", "rubric_ensure",
           "rubric_settings_update", "score_save", "validate_scores"]
Status = Assignment.Status


# --- the pool ----------------------------------------------------------------------------------------

def expert_account_create(*, user, username: str, name: str, email: str = "", phone: str = "") -> User:
    """A new login with role 评审专家 and no usable password: the expert sets one through 找回密码."""
    return operations.ExpertAccountCreate(None, username=username, name=name, email=email, phone=phone).execute(user)


def profile_create(*, user, expert: User, data: Mapping) -> ExpertProfile:
    return operations.ProfileCreate(expert, data=data).execute(user)


def profile_update(*, user, profile: ExpertProfile, data: Mapping) -> ExpertProfile:
    return operations.ProfileUpdate(profile, data=data).execute(user)


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


def relation_declare(*, user, profile: ExpertProfile, enterprise: Enterprise, kind: str,
                     note: str = "") -> ExpertRelation:
    """Record a relationship (the expert about themselves, or the city for them); it excludes the expert."""
    return operations.RelationDeclare(profile, enterprise=enterprise, kind=kind, note=note).execute(user)


def relation_remove(*, user, relation: ExpertRelation, reason: str = "") -> None:
    """Only the city removes a declared relation (an expert cannot quietly undo their own declaration)."""
    operations.RelationRemove(relation, reason=reason).execute(user)


# --- rubrics -----------------------------------------------------------------------------------------

def rubric_settings_update(*, user, rubric: Rubric, data: Mapping, reason: str = "") -> Rubric:
    """Settings may change at any time, except the trimming rule once a score is in; unsealing early needs ``reason``."""
    return operations.RubricUpdate(rubric, data=data, reason=reason).execute(user)


def criterion_add(*, user, rubric: Rubric, name: str, max_points: Decimal, guidance: str = "",
                  allowed_points: str = "", step: Decimal | None = None) -> Criterion:
    """Add a criterion; ``allowed_points`` ("0,5,10,20") or ``step`` restrict the values experts may give."""
    return operations.CriterionAdd(rubric, name=name, max_points=max_points, guidance=guidance,
                                   allowed_points=allowed_points, step=step).execute(user)


def criterion_update(*, user, criterion: Criterion, name: str, max_points: Decimal, guidance: str = "",
                     allowed_points: str = "", step: Decimal | None = None) -> Criterion:
    return operations.CriterionUpdate(criterion.rubric, criterion=criterion, name=name, max_points=max_points,
                                      guidance=guidance, allowed_points=allowed_points, step=step).execute(user)


def criterion_delete(*, user, criterion: Criterion) -> None:
    operations.CriterionDelete(criterion.rubric, criterion=criterion).execute(user)


def criterion_move(*, user, criterion: Criterion, direction: str) -> None:
    """Swap a criterion with its neighbour ("up" or "down") and renumber 10, 20, 30…"""
    operations.CriterionMove(criterion.rubric, criterion=criterion, direction=direction).execute(user)


# --- assignment --------------------------------------------------------------------------------------

def assign_experts(*, application: Application, user, experts: Iterable[User] | None = None,
                   count: int | None = None) -> list[Assignment]:
    """Assign experts to an application that passed 形式审查 (or add more while review runs).

    ``experts`` is the city's own choice; without it the system picks ``count`` (default: the rubric's
    number per application, less those already assigned) from the eligible experts with the fewest open
    tasks. Experts with a conflict of interest are refused with their reasons, all of them at once and
    before anything is written. Each expert is one ``expert.assign`` (the first starts expert review).
    """
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("enterprise__organisation", "call").get(
            pk=application.pk)
        verdict = operations.ExpertAssign(application).check(user)
        if verdict.forbidden:
            raise PermissionDenied(verdict.reason)
        if not verdict:
            raise ExpertsError(verdict.reason)
        rubric = rubric_ensure(application.call, application.tier, user)
        if not rubric.criteria.exists():
            raise ExpertsError(gettext("评分表还没有评分项，请先设置评分表"))
        eligible, excluded = selectors.candidates(application, rubric)
        if experts is None:
            active = application.expert_assignments.filter(status__in=Assignment.ACTIVE_STATUSES).count()
            wanted = count if count is not None else max(rubric.experts_per_application - active, 0)
            if wanted < 1:
                raise ExpertsError(gettext("请填写要选派的专家人数"))
            if len(eligible) < wanted:
                raise ExpertsError(gettext("可选派的专家只有 %(n)s 位，不足 %(wanted)s 位；请扩充专家库或手动选择") % {
                        "n": len(eligible), "wanted": wanted})
            chosen = [candidate.user for candidate in selectors.auto_pick(eligible, wanted)]
        else:
            chosen = list(dict.fromkeys(experts))
            if not chosen:
                raise ExpertsError(gettext("请至少选择一位专家"))
            by_user = {c.user.pk: c for c in eligible}
            refused = {c.user.pk: c for c in excluded}
            problems = []
            for expert in chosen:
                if expert.pk in refused:
                    problems.append(f"{expert.display_name}：{'；'.join(refused[expert.pk].reasons)}")
                elif expert.pk not in by_user:
                    problems.append(f"{expert.display_name}：不在可选派的专家中（未入库、已停用或已选派）")
            if problems:
                raise ExpertsError(gettext("以下专家不能选派："), problems)
        return [operations.ExpertAssign(application, expert=expert).execute(user) for expert in chosen]


# --- scoring -----------------------------------------------------------------------------------------

def score_save(*, assignment: Assignment, user, raw: Mapping, comments: str = "", submit: bool = False) -> Assignment:
    """Save the expert's scores as a draft, or submit them (final: read-only afterwards).

    ``raw`` maps criterion id to the text typed. Invalid input raises ``ScoreInvalid`` and nothing is
    stored. The total is always recomputed from the stored points, whatever the page showed.
    """
    op = operations.AssignmentSubmit if submit else operations.AssignmentSave
    return op(assignment, raw=raw, comments=comments).execute(user)


def conflict_declare(*, assignment: Assignment, user, reason: str) -> Assignment:
    """The expert declares a conflict (回避): the task is withdrawn, the relation recorded, the city told."""
    return operations.AssignmentWithdraw(assignment, reason=reason).execute(user)


def assignment_withdraw(*, assignment: Assignment, user, reason: str) -> Assignment:
    """The city withdraws an expert found to have a conflict of interest (回避); replace them on the assign page."""
    return operations.AssignmentWithdraw(assignment, reason=reason).execute(user)


def leader_set(*, assignment: Assignment, user) -> Assignment:
    """The city names the panel leader (专家组组长), who may write the panel opinion."""
    return operations.AssignmentSetLeader(assignment).execute(user)


def panel_opinion_record(*, application: Application, user, text: str) -> PanelOpinion:
    """The panel opinion (专家组意见), by the panel leader or the city, after unsealing and before completion."""
    return operations.PanelOpinionRecord(application, text=text).execute(user)


def assignment_reopen(*, assignment: Assignment, user, reason: str) -> Assignment:
    """The city asks one expert to reconsider a submitted score (退回复核), before completing the review."""
    return operations.AssignmentReopen(assignment, reason=reason).execute(user)


def review_complete(*, application: Application, user, note: str = "",
                    quorum_override_reason: str = "") -> ExpertReviewResult:
    """Record the aggregate and perform ``expert_complete`` (the on-site domain then opens its check).

    Fewer submitted scores than the rubric's panel size (the quorum) is refused unless
    ``quorum_override_reason`` says why the city goes on; the reason is kept on the result.
    """
    return operations.ExpertReviewComplete(application, note=note,
                                           quorum_override_reason=quorum_override_reason).execute(user)


def latest_result(application: Application) -> ExpertReviewResult | None:
    return application.expert_results.select_related("completed_by").first()


def review_session_save(*, user, data: Mapping, call=None, session=None):
    """Create a 评审会 of ``call``, or change ``session`` (each audited, ``review_session.*``)."""
    if session is None:
        return operations.ReviewSessionCreate(call, data=data).execute(user)
    return operations.ReviewSessionUpdate(session, data=data).execute(user)
