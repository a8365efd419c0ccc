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
from tidu.experts.content import declared_levels
from tidu.experts.models import (
    Assignment,
    CriterionScore,
    ExpertProfile,
    ExpertRelation,
    PanelOpinion,
    Rubric,
)

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
    # Active assignments whose expert has a conflict of interest found after assignment: id → reasons.
    conflicts: dict[int, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.assignments)

    @property
    def quorum(self) -> int:
        """The panel size the rubric asks for (市经信局设定, default 3): fewer submitted scores is below quorum."""
        return self.rubric.experts_per_application if self.rubric else 0

    @property
    def conflicted(self) -> list[Assignment]:
        return [a for a in self.assignments if a.pk in self.conflicts]

    @property
    def effective(self) -> list[Assignment]:
        """Assigned experts who count towards the panel: active and without a conflict of interest."""
        return [a for a in self.assignments if a.pk not in self.conflicts]

    @property
    def needed(self) -> int:
        """How many more experts the panel needs to reach its quorum (0 when it is full)."""
        return max(self.quorum - len(self.effective), 0)

    @property
    def below_quorum(self) -> bool:
        return self.needed > 0

    @property
    def needs_replacement(self) -> bool:
        """A panel once formed has fallen below quorum (a withdrawal, a conflict found after assignment)."""
        return self.below_quorum and bool(self.assignments or self.withdrawn)

    @property
    def leader(self) -> Assignment | None:
        return next((a for a in self.assignments if a.is_leader), None)

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
    active = [a for a in rows if a.status != Status.WITHDRAWN]
    return ReviewState(application=application, rubric=rubric, assignments=active,
                       withdrawn=[a for a in rows if a.status == Status.WITHDRAWN],
                       conflicts=_conflicts(application, rubric, active))


def _conflicts(application: Application, rubric: Rubric | None, active: list[Assignment]) -> dict[int, list[str]]:
    """Conflicts of interest of the assigned experts as they stand now (a relation declared after assignment)."""
    if not active:
        return {}
    profiles = {p.user_id: p for p in ExpertProfile.objects.filter(user_id__in=[a.expert_id for a in active])
                .select_related("unit").prefetch_related("relations")}
    names = applicant_names(application)
    enterprise = application.enterprise
    found = {}
    for assignment in active:
        profile = profiles.get(assignment.expert_id)
        if profile is None:
            continue
        reasons = coi.conflict_reasons(profile, enterprise, exclude_same_unit=rubric.exclude_same_unit if rubric
                                       else True, applicant_names=names)
        if reasons:
            found[assignment.pk] = reasons
    return found


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


# --- the panel side by side (for the city, once the seal is off) --------------------------------------

@dataclass(frozen=True)
class SpreadRow:
    """One criterion (or the total): every expert's points in panel order, with min, max, range and mean."""

    name: str
    max_points: Decimal | None
    cells: tuple[Decimal | None, ...]
    mean: Decimal | None
    declared: str = ""  # what the application declares for a level-scored criterion (自评估等级：二级…)

    @property
    def given(self) -> list[Decimal]:
        return [c for c in self.cells if c is not None]

    @property
    def low(self) -> Decimal | None:
        return min(self.given) if self.given else None

    @property
    def high(self) -> Decimal | None:
        return max(self.given) if self.given else None

    @property
    def spread(self) -> Decimal | None:
        return self.high - self.low if self.given else None


@dataclass
class PanelView:
    """What the city sees of a panel: scores criterion by criterion, written opinions, the panel opinion."""

    state: ReviewState
    sealed: bool
    experts: list[Assignment] = field(default_factory=list)  # submitted, in assignment order
    rows: list[SpreadRow] = field(default_factory=list)
    total: SpreadRow | None = None
    aggregate: Aggregate | None = None
    opinion: PanelOpinion | None = None

    @property
    def application(self) -> Application:
        return self.state.application


def panel_for(user, application: Application) -> PanelView | None:
    """The panel side by side for the city (None for anyone else); ``sealed`` while scores may not be seen."""
    if not accounts.is_city_user(user):
        return None
    state = review_state(application)
    if not state.assignments and not state.withdrawn:
        return None
    view = PanelView(state=state, sealed=not scores_visible(user, state),
                     opinion=PanelOpinion.objects.filter(application=application).select_related("written_by").first())
    if view.sealed or not state.submitted:
        return view
    aggregate_ = aggregate_state(state)
    rows = {row.key: row for row in aggregate_.rows}
    view.experts = state.submitted
    view.aggregate = aggregate_
    points = {a.pk: {s.criterion_id: s.points for s in a.scores.all()} for a in view.experts}
    declared = declared_levels(application)
    view.rows = [SpreadRow(name=c.name, max_points=c.max_points,
                           cells=tuple(points[a.pk].get(c.pk) for a in view.experts),
                           mean=aggregate_.criterion_means.get(c.pk), declared=declared.get(c.name, ""))
                 for c in state.rubric.criteria.all()]
    view.total = SpreadRow(name="总分", max_points=state.rubric.max_total,
                           cells=tuple(rows[a.pk].total for a in view.experts), mean=aggregate_.mean)
    return view


def panel_opinion_for(user, application: Application) -> PanelOpinion | None:
    """The panel opinion: the city, and the panel's own experts once every score is in (sealed until then)."""
    if not (accounts.is_city_user(user) or accounts.is_expert(user)):
        return None
    if accounts.is_expert(user) and not scores_visible(user, review_state(application)):
        return None
    return PanelOpinion.objects.filter(application=application).select_related("written_by").first()


# --- review sessions (评审会) --------------------------------------------------------------------------

def review_sessions_visible_to(user):
    """The 评审会 the user may see: the city's, all of them; nobody else's."""
    from tidu.experts.models import ReviewSession

    if not accounts.is_city_user(user):
        return ReviewSession.objects.none()
    return ReviewSession.objects.select_related("call", "created_by")
