"""Who may see an application and what hangs off it (sections, receipts, evidence): the one place it is decided.

- The enterprise's own users: all of its applications, drafts included.
- A township officer: its own unit's enterprises' applications, once submitted.
- The city (市经信局): every application once submitted.
- Experts: nothing here; they read an application only through an assignment of theirs (``experts.selectors``).
- 系统管理员, anonymous visitors: nothing (see ``accounts.permissions``).

"Submitted" means not a draft, and not an application withdrawn before it was ever submitted: drafts are the
enterprise's own business and never leave it (pages, downloads, documents, jobs and exports all read here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext

from tidu.accounts import permissions
from tidu.accounts.models import User
from tidu.applications.models import Application, Evidence, Submission, sent_list_status
from tidu.applications.workflow import State
from tidu.eligibility.findings import Outcome
from tidu.enterprises.selectors import delegated_enterprise_ids, enterprises_visible_to, is_delegate_of

Role = User.Role


def never_submitted() -> Q:
    """Applications that never left the enterprise: drafts, and those withdrawn before any receipt."""
    ever = Exists(Submission.objects.filter(application=OuterRef("pk")))
    return Q(status=State.DRAFT) | (Q(status=State.WITHDRAWN) & ~ever)


def applications_visible_to(user) -> QuerySet[Application]:
    applications = Application.objects.select_related("enterprise__organisation__parent", "call")
    role = permissions.role_of(user)
    if role == Role.ENTERPRISE:
        return applications.filter(enterprise__in=enterprises_visible_to(user))
    if role == Role.CITY:  # every enterprise's (``enterprises_visible_to``): no filter to join
        return applications.exclude(never_submitted())
    if role == Role.TOWNSHIP:  # its unit's enterprises' (``enterprises_visible_to``), by the stored unit (indexed)
        unit = permissions.unit_of(user)
        if unit is None:
            return applications.none()
        # Drafts are the enterprise's own business, unless it let this officer prepare them (a delegation).
        return applications.filter(unit=unit).filter(
            ~never_submitted() | Q(enterprise_id__in=delegated_enterprise_ids(user)))
    return applications.none()


def is_own_enterprise(user, application: Application) -> bool:
    return (permissions.is_enterprise_user(user) and user.organisation_id is not None
            and user.organisation_id == application.enterprise.organisation_id)


def is_delegate(user, application: Application) -> bool:
    """A township officer the enterprise lets prepare its applications (``enterprises.Delegation``)."""
    return is_unit_officer(user, application) and is_delegate_of(user, application.enterprise)


def is_unit_officer(user, application: Application) -> bool:
    unit = permissions.unit_of(user) if permissions.is_township_user(user) else None
    return unit is not None and unit.pk == application.enterprise.organisation.parent_id


def was_submitted(application: Application) -> bool:
    if application.status == State.DRAFT:
        return False
    return application.status != State.WITHDRAWN or application.submissions.exists()


def can_view_application(user, application: Application) -> bool:
    """May ``user`` see this application (and its sections, receipts and evidence)? Same answer as the queryset."""
    if is_own_enterprise(user, application):
        return True
    if not was_submitted(application):
        return is_delegate(user, application)
    return permissions.is_city_user(user) or is_unit_officer(user, application)


def drafts_started_in(user, call) -> QuerySet:
    """Enterprise ids (only the ids) of the township officer's unit that have a draft for ``call``.

    The township dashboard shows that a draft exists ("填写中（未提交）") so the officer can chase it; nothing
    of the draft itself is ever read for anyone but its enterprise.
    """
    if not permissions.is_township_user(user):
        return Application.objects.none().values_list("enterprise_id", flat=True)
    return (Application.objects.filter(enterprise__in=enterprises_visible_to(user), call=call)
            .filter(never_submitted()).values_list("enterprise_id", flat=True))


def submissions_visible_to(user) -> QuerySet[Submission]:
    return Submission.objects.filter(application__in=applications_visible_to(user))


def can_view_submission(user, submission: Submission) -> bool:
    return can_view_application(user, submission.application)


def evidence_visible_to(user) -> QuerySet[Evidence]:
    """Evidence files through the application pages (experts read theirs through ``experts.selectors``)."""
    return Evidence.objects.select_related("application").filter(application__in=applications_visible_to(user))


def can_view_evidence(user, evidence: Evidence) -> bool:
    return can_view_application(user, evidence.application)


# --- the verdict judged at submission, and the list state, for lists -------------------------------------

@dataclass(frozen=True)
class VerdictSummary:
    """系统判定 as every page shows it: the verdict judged when the latest submission was made (stored with it)."""

    outcome: str = ""
    failing: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, submission: Submission | None) -> VerdictSummary | None:
        if submission is None or not submission.outcome:
            return None
        return cls(submission.outcome, list(submission.failing_clauses or []), list(submission.review_clauses or []),
                   list(submission.missing_clauses or []))

    @classmethod
    def annotated(cls, application: Application) -> VerdictSummary | None:
        """From the ``latest_*`` annotations of ``with_latest_submission``."""
        if not getattr(application, "latest_outcome", ""):
            return None
        return cls(application.latest_outcome, list(application.latest_failing or []),
                   list(application.latest_review or []), list(application.latest_missing or []))

    @property
    def outcome_label(self) -> str:
        return gettext(Outcome(self.outcome).label) if self.outcome in Outcome._value2member_map_ else ""

    @property
    def counts(self) -> dict[str, int]:
        return {"fail": len(self.failing), "review": len(self.review), "missing": len(self.missing)}


_OUTCOME_LABELS = {outcome.value: outcome.label for outcome in Outcome}


def prepare_rows(applications, user, *, decide: str | None = None, unit: bool = False) -> list[Application]:
    """Give each application of a list page what its row prints (``tidu.core.rows``: Python, not the template,
    does the per-row work): ``row_review_url``, ``row_submitted`` (the latest receipt's time, 北京时间),
    ``row_revision`` (the 补正期限 tag's data, or None), ``verdict_summary`` and ``row_outcome`` (its label in the
    reader's language), ``row_unit_name`` with ``unit``, and ``can_decide`` (the ``decide`` operation's own
    ``check()``) when ``decide`` names one. Reads the ``with_latest_submission`` annotations; no query."""
    from tidu.applications.revision import due_state
    from tidu.core import clock
    from tidu.core.dates import beijing_text
    from tidu.core.operations import operation
    from tidu.core.rows import concrete_user, url_for_each

    applications = list(applications)
    review_url = url_for_each("applications:review")
    today = clock.business_today()
    user = concrete_user(user)
    outcome_texts = {}
    for application in applications:
        application.row_review_url = review_url(application.pk)
        application.row_submitted = beijing_text(getattr(application, "latest_submitted_at", None),
                                                 "%Y-%m-%d %H:%M")
        application.row_revision = due_state(application, today)
        summary = VerdictSummary.annotated(application)
        application.verdict_summary = summary
        outcome = summary.outcome if summary else None
        if outcome not in outcome_texts:  # translated once per outcome and page
            label = _OUTCOME_LABELS.get(outcome, "") if summary else ""
            # As ``{{ summary.outcome_label|translated }}`` printed it: the label, translated, then looked up again.
            outcome_texts[outcome] = gettext(gettext(label)) if label else ""
        application.row_outcome = outcome_texts[outcome]
        if unit:
            parent = application.enterprise.organisation.parent
            application.row_unit_name = parent.name if parent is not None else ""
        if decide:
            application.can_decide = bool(operation(decide, application).check(user))
    return applications


def _latest(field_name: str, output_field):
    return Subquery(Submission.objects.filter(application=OuterRef("pk")).order_by("-submitted_at", "-pk")
                    .values(field_name)[:1], output_field=output_field)


@cache
def _latest_columns() -> dict[str, Subquery]:
    # Built once per process: every list page annotates these six, and building six subquerysets per request cost
    # more than running them. ``annotate`` copies an expression as it resolves it, so sharing them is safe.
    return {"latest_number": _latest("number", CharField()),
            "latest_submitted_at": _latest("submitted_at", DateTimeField()),
            "latest_outcome": _latest("outcome", CharField()), "latest_failing": _latest("failing_clauses", JSONField()),
            "latest_review": _latest("review_clauses", JSONField()),
            "latest_missing": _latest("missing_clauses", JSONField())}


def with_latest_submission(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate each application with its latest receipt's number, time and stored verdict, and its list state.

    One query for any number of applications (read with ``VerdictSummary.annotated`` and ``status_label``).
    """
    return applications.annotate(**_latest_columns(), list_sent=list_sent_expression())


def list_sent_expression() -> Case:
    """Is the application on its unit's 推荐名单 sent to the city? (read by ``Application.status_label``)"""
    return Case(When(recommendation_entry__recommendation_list__status=sent_list_status(), then=Value(True)),
                default=Value(False), output_field=BooleanField())


def with_list_state(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate ``list_sent`` so that status labels need no query per application."""
    return applications.annotate(list_sent=list_sent_expression())
