"""Reads for 评审结论 and 集体决策, scoped to the city; the facts other pages (the application page, the 公示
candidate list) show about a decision. The panel total comes from the experts app's own public reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext

from tidu.accounts import permissions as accounts
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.decisions.models import CollectiveDecision, DecisionSetting, ReviewConclusion
from tidu.experts import selectors as expert_selectors
from tidu.onsite import selectors as onsite_selectors
from tidu.policy.models import Call

# The application states after which the city records a conclusion, and the stage each one closes.
STAGE_OF_STATE = {State.EXPERT_REVIEWED: ReviewConclusion.Stage.EXPERT_REVIEW,
                  State.ONSITE_VERIFIED: ReviewConclusion.Stage.ONSITE}
# A collective decision is attached before 公示: not once the application is proposed or recognised.
ATTACHABLE_STATES = (State.EXPERT_REVIEWED, State.ONSITE_VERIFIED, State.NOT_RECOGNISED)


def may_decide(user) -> bool:
    return accounts.is_city_user(user)


def conclusions_visible_to(user) -> QuerySet[ReviewConclusion]:
    if not may_decide(user):
        return ReviewConclusion.objects.none()
    return ReviewConclusion.objects.select_related("application__enterprise", "recorded_by", "collective_decision")


def can_view_conclusion(user, conclusion: ReviewConclusion) -> bool:
    return may_decide(user)


def collective_decisions_visible_to(user) -> QuerySet[CollectiveDecision]:
    if not may_decide(user):
        return CollectiveDecision.objects.none()
    return CollectiveDecision.objects.select_related("call", "recorded_by")


def can_view_collective_decision(user, decision: CollectiveDecision) -> bool:
    return may_decide(user)


def stage_for(application: Application) -> str | None:
    return STAGE_OF_STATE.get(application.status)


def conclusions_for(application: Application) -> list[ReviewConclusion]:
    return list(application.review_conclusions.select_related("recorded_by", "collective_decision")
                .order_by("-recorded_at", "-id"))


def latest_conclusion(application: Application) -> ReviewConclusion | None:
    return (application.review_conclusions.select_related("recorded_by", "collective_decision")
            .order_by("-recorded_at", "-id").first())


def latest_conclusions(application_ids) -> dict[int, ReviewConclusion]:
    latest: dict[int, ReviewConclusion] = {}
    for row in (ReviewConclusion.objects.filter(application_id__in=list(application_ids))
                .select_related("collective_decision").order_by("recorded_at", "id")):
        latest[row.application_id] = row
    return latest


def setting_for(call: Call) -> DecisionSetting | None:
    return DecisionSetting.objects.filter(call=call).first()


def pass_mark_for(call: Call) -> Decimal | None:
    setting = setting_for(call)
    return setting.pass_mark if setting else None


def panel_total(application: Application) -> Decimal | None:
    """The panel's total (the mean of the experts' totals, as the experts app aggregates it), once every
    assigned expert has submitted; None before."""
    state = expert_selectors.review_state(application)
    if not state.all_in:
        return None
    return expert_selectors.aggregate_state(state).mean


def suggestion(total: Decimal | None, pass_mark: Decimal | None) -> str:
    """The outcome the pass mark pre-fills ("" when there is no pass mark or no total): never the decision."""
    if total is None or pass_mark is None:
        return ""
    return ReviewConclusion.Outcome.PASS if total >= pass_mark else ReviewConclusion.Outcome.FAIL


def conclusion_blocker(application: Application) -> str:
    """Why ``application`` may not be put on a 公示 (no 通过 as its latest conclusion), or ""."""
    latest = latest_conclusion(application)
    if latest is None:
        return "尚未记录评审结论"
    if not latest.passed:
        return f"评审结论为“{latest.get_outcome_display()}”"
    return ""


def attachable_conclusions(call: Call) -> list[ReviewConclusion]:
    """The latest conclusion of each application of ``call`` before 公示, without a collective decision yet."""
    ids = Application.objects.filter(call=call, status__in=ATTACHABLE_STATES).values_list("pk", flat=True)
    latest = latest_conclusions(ids)
    rows = [c for c in latest.values() if c.collective_decision_id is None]
    by_pk = {a.pk: a for a in Application.objects.filter(pk__in=[c.application_id for c in rows])
             .select_related("enterprise")}
    for row in rows:
        row.application = by_pk[row.application_id]
    return sorted(rows, key=lambda c: c.application.enterprise.name)


@dataclass
class CandidateFacts:
    """What the city must see before putting an application on a 公示."""

    application: Application
    total: Decimal | None
    conclusion: ReviewConclusion | None
    open_discrepancies: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.conclusion is not None and self.conclusion.passed

    @property
    def collective_decision(self) -> CollectiveDecision | None:
        return self.conclusion.collective_decision if self.conclusion else None

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.conclusion is None:
            out.append(gettext("尚未记录评审结论"))
        elif not self.conclusion.passed:
            out.append(gettext("评审结论为“%(outcome)s”") % {"outcome": self.conclusion.get_outcome_display()})
        if self.open_discrepancies:
            out.append(gettext("现场核查有 %(count)s 项不符尚未处理") % {"count": len(self.open_discrepancies)})
        return out


def candidate_facts(applications) -> list[CandidateFacts]:
    applications = list(applications)
    latest = latest_conclusions(a.pk for a in applications)
    return [CandidateFacts(application=a, total=panel_total(a), conclusion=latest.get(a.pk),
                           open_discrepancies=onsite_selectors.open_discrepancies(a)) for a in applications]
