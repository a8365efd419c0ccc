"""Reads for expert review, always scoped to what the user may see; the sealed-scoring rule lives here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from tidu.accounts import permissions as accounts
from tidu.accounts.models import User
from tidu.applications import selectors as application_selectors
from tidu.applications.models import Application, Evidence
from tidu.applications.workflow import State
from tidu.experts import coi, permissions
from tidu.experts.aggregation import Aggregate, aggregate
from tidu.experts.models import Assignment, CriterionScore, ExpertProfile, ExpertRelation, Rubric

REVIEW_STATES = (State.FORMAL_PASSED, State.EXPERT_REVIEW, State.EXPERT_REVIEWED)
Status = Assignment.Status


def city_users() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.CITY, is_active=True)


# --- the pool --------------------------------------------------------------------------------------

def pool() -> QuerySet[ExpertProfile]:
    return (ExpertProfile.objects.select_related("user", "employer_enterprise", "unit")
            .prefetch_related(Prefetch("relations", ExpertRelation.objects.select_related("enterprise")))
            .annotate(open_count=Count("user__expert_assignments",
                                       filter=Q(user__expert_assignments__status__in=Assignment.OPEN_STATUSES)))
            .order_by("-is_active", "user__username"))


def expert_users_without_profile() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.EXPERT, is_active=True, expert_profile__isnull=True).order_by("username")


def profile_of(user) -> ExpertProfile | None:
    return pool().filter(user=user).first() if user.is_authenticated else None


@dataclass
class Candidate:
    profile: ExpertProfile
    reasons: list[str] = field(default_factory=list)
    load: int = 0  # open assignments the expert already has (across all applications)
    assigned: Assignment | None = None  # an existing assignment for this application

    @property
    def user(self):
        return self.profile.user


def applicant_names(application: Application) -> tuple[str, ...]:
    basic = application.sections.filter(key="basic").values_list("data", flat=True).first() or {}
    name = basic.get("name") if isinstance(basic, dict) else None
    return (name,) if isinstance(name, str) and name.strip() else ()


def candidates(application: Application, rubric: Rubric) -> tuple[list[Candidate], list[Candidate]]:
    """(eligible, excluded) experts of the active pool for ``application``; already-assigned ones are neither."""
    existing = {a.expert_id: a for a in application.expert_assignments.all()}
    names = applicant_names(application)
    enterprise = application.enterprise
    eligible, excluded = [], []
    for profile in pool().filter(is_active=True, user__is_active=True):
        reasons = coi.conflict_reasons(profile, enterprise, exclude_same_unit=rubric.exclude_same_unit,
                                       applicant_names=names)
        candidate = Candidate(profile=profile, reasons=reasons, load=profile.open_count,
                              assigned=existing.get(profile.user_id))
        if candidate.assigned is not None:
            if candidate.assigned.status == Status.WITHDRAWN and reasons:
                excluded.append(candidate)
            continue
        (excluded if reasons else eligible).append(candidate)
    eligible.sort(key=lambda c: (c.load, c.user.username))
    return eligible, excluded


def auto_pick(eligible: list[Candidate], count: int) -> list[Candidate]:
    """The system's choice: the experts with the fewest open assignments (then by username, so it is repeatable)."""
    return sorted(eligible, key=lambda c: (c.load, c.user.username))[:count]


# --- one application's review ----------------------------------------------------------------------

@dataclass
class ReviewState:
    application: Application
    rubric: Rubric | None
    assignments: list[Assignment]  # active ones (not withdrawn), in assignment order
    withdrawn: list[Assignment]

    @property
    def total(self) -> int:
        return len(self.assignments)

    @property
    def submitted(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status == Status.SUBMITTED]

    @property
    def submitted_count(self) -> int:
        return len(self.submitted)

    @property
    def pending(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status != Status.SUBMITTED]

    @property
    def all_in(self) -> bool:
        """Every assigned (not withdrawn) expert has submitted: scores are unsealed."""
        return bool(self.assignments) and not self.pending


def review_state(application: Application) -> ReviewState:
    rows = list(application.expert_assignments.select_related("expert", "rubric")
                .prefetch_related(Prefetch("scores", CriterionScore.objects.select_related("criterion")))
                .order_by("assigned_at", "id"))
    rubric = rows[0].rubric if rows else Rubric.objects.filter(call_id=application.call_id, tier=application.tier).first()
    return ReviewState(application=application, rubric=rubric,
                       assignments=[a for a in rows if a.status != Status.WITHDRAWN],
                       withdrawn=[a for a in rows if a.status == Status.WITHDRAWN])


def scores_visible(user, state: ReviewState) -> bool:
    """Sealed scoring: nobody sees scores (beyond their own) until every assigned expert has submitted.

    The city may be allowed to see them earlier by the rubric setting ``city_sees_scores_before_complete``.
    An expert sees the others' scores only for an application they themselves were assigned to.
    """
    if accounts.is_city_user(user):
        return state.all_in or bool(state.rubric and state.rubric.city_sees_scores_before_complete)
    if accounts.is_expert(user):
        return state.all_in and any(a.expert_id == user.pk for a in state.assignments)
    return False


def aggregate_state(state: ReviewState) -> Aggregate:
    """The aggregate of the submitted scores, keyed by assignment id (call only when scores are visible)."""
    rubric = state.rubric
    totals = {a.pk: a.total or Decimal("0") for a in state.submitted}
    points = defaultdict(list)
    for assignment in state.submitted:
        for score in assignment.scores.all():
            if score.points is not None:
                points[score.criterion_id].append(score.points)
    return aggregate(totals, points, trim_extremes=rubric.trim_extremes if rubric else False,
                     outlier_points=rubric.outlier_points if rubric else Decimal("15"))


def expert_labels(state: ReviewState) -> dict[int, str]:
    """Anonymous labels (专家A、专家B…) by assignment id, in assignment order, for what experts may see."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return {a.pk: f"专家{letters[i] if i < len(letters) else i + 1}" for i, a in enumerate(state.assignments)}


# --- lists ---------------------------------------------------------------------------------------

def assignments_for_expert(user) -> QuerySet[Assignment]:
    """Only the user's own assignments; nobody else's, whatever their role."""
    if not accounts.is_expert(user):
        return Assignment.objects.none()
    return (Assignment.objects.filter(expert=user)
            .select_related("application__enterprise", "application__call", "rubric")
            .order_by("-assigned_at", "-id"))


def assignments_visible_to(user) -> QuerySet[Assignment]:
    """An assignment (the expert's 评分表 and what it shows of the application): the city sees every one; an
    expert only their own, and nothing more of one they withdrew from (回避); anyone else nothing."""
    assignments = Assignment.objects.select_related("application__enterprise", "application__call", "rubric",
                                                    "expert")
    if accounts.is_city_user(user):
        return assignments
    if accounts.is_expert(user):
        return assignments.filter(expert=user).exclude(status=Status.WITHDRAWN)
    return assignments.none()


def can_view_assignment(user, assignment: Assignment) -> bool:
    return accounts.is_city_user(user) or permissions.can_view_assignment(user, assignment)


def assignment_evidence(user, assignment: Assignment) -> QuerySet[Evidence]:
    """The evidence files an assignment shows its expert (nothing once they withdrew, nothing for anyone else)."""
    if not permissions.can_view_assignment(user, assignment):
        return Evidence.objects.none()
    return Evidence.objects.filter(application_id=assignment.application_id)


def review_queue(user) -> QuerySet[Application]:
    """Applications in or around expert review, for the city, with assignment counts."""
    if not accounts.is_city_user(user):
        return Application.objects.none()
    active = Q(expert_assignments__status__in=Assignment.ACTIVE_STATUSES)
    return (application_selectors.applications_visible_to(user).filter(status__in=REVIEW_STATES)
            .annotate(assigned_count=Count("expert_assignments", filter=active, distinct=True),
                      submitted_count=Count("expert_assignments",
                                            filter=Q(expert_assignments__status=Status.SUBMITTED), distinct=True))
            .order_by("status", "enterprise__name"))


def application_for_city(user, pk: int) -> Application | None:
    if not accounts.is_city_user(user):
        return None
    return application_selectors.applications_visible_to(user).exclude(status=State.DRAFT).filter(pk=pk).first()
