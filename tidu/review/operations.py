"""Every change of a 推荐名单 and every 形式审查 decision is one operation (see tidu.core.operations).

推荐名单: one ``ListOperation`` per action of the table in ``tidu.review.workflow`` (registered as
"recommendation_list.<action>"). ``check(user)`` asks the table's role, the unit (a township officer acts on its
own unit's list only), the list's state and the township deadline; ``execute(user)`` locks the list, asks again,
validates, writes, adds exactly one audit row (object_type "recommendation_list"; the ``detail`` the list page's
history shows) and announces ``RecommendationListChanged`` on commit. Notifications go out through ``notify``
(delivered on commit, so a refused or rolled-back operation tells nobody).

形式审查: ``FormalReviewDecision`` ("formal_review.decide") records the checklist as decided and takes the decision
through the application's own transition, whose audit row is the only one written (FormalReview.audit_entry).

``now`` is a parameter of every township operation (tests, demo data); by default ``tidu.core.clock.now()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from tidu.accounts.models import Organisation, User
from tidu.accounts.permissions import is_township_user, unit_of
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import TRANSITIONS_BY_ACTION, State, state_label
from tidu.core import clock
from tidu.core.dates import beijing_text
from tidu.core.hashing import sha256_of_json
from tidu.core.operations import (
    ALLOWED,
    AuditRecord,
    Check,
    Operation,
    operation,
    operation_class,
    refused,
)
from tidu.notifications.messages import text
from tidu.notifications.services import notify
from tidu.policy.selectors import call_policy_for
from tidu.review.errors import ListExists, NothingChanged, ReviewError
from tidu.review.events import RecommendationListChanged
from tidu.review.formal import formal_checklist
from tidu.review.models import FormalReview, RecommendationEntry, RecommendationList
from tidu.review.workflow import (
    LIST_ACTIONS_BY_NAME,
    ListAction,
    ListState,
    township_blocker,
    unsign_target,
)

OPINION_MAX = 1000


# --- people -----------------------------------------------------------------------------------------

def township_officers(unit: Organisation) -> QuerySet[User]:
    return User.objects.filter(role=User.Role.TOWNSHIP, organisation=unit, is_active=True)


def city_officers() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.CITY, is_active=True)


def is_officer_of(user, unit: Organisation) -> bool:
    """A township officer of exactly this unit."""
    if not is_township_user(user):
        return False
    own = unit_of(user)
    return own is not None and own.pk == unit.pk


def list_url(rlist: RecommendationList) -> str:
    return reverse("review:list_detail", args=[rlist.pk])


# --- rules the list operations share --------------------------------------------------------------------

def received_by_city(application: Application) -> bool:
    """The city has received (受理) it at some point: it stays on its list whatever happened afterwards."""
    return application.events.filter(action="city_receive").exists()


def entry_problem(application: Application, rlist: RecommendationList) -> str | None:
    name = application.enterprise.name
    if application.enterprise.organisation.parent_id != rlist.unit_id:
        return f"“{name}”不属于{rlist.unit.name}"
    if application.call_id != rlist.call_id:
        return f"“{name}”的申报不属于{rlist.call.title}"
    if application.status != State.TOWNSHIP_RECOMMENDED:
        return f"“{name}”的申报当前为“{state_label(application.status)}”，只有乡镇已推荐的申报才能列入推荐名单"
    return None


def sign_blockers(rlist: RecommendationList) -> list[str]:
    """What stops a sign-off regardless of time: entries, opinions, and each application still recommended."""
    entries = list(rlist.entries.select_related("application__enterprise__organisation"))
    if not entries:
        return ["推荐名单中还没有企业，至少列入一家才能签发"]
    problems = []
    for entry in entries:
        if not entry.opinion.strip():
            problems.append(f"第 {entry.priority} 位“{entry.application.enterprise.name}”尚未填写推荐意见")
        if received_by_city(entry.application):
            continue  # already received (e.g. when the city reopened a sent list): it stays as it is
        problem = entry_problem(entry.application, rlist)
        if problem:
            problems.append(f"第 {entry.priority} 位：{problem}，请移出名单")
    return problems


def renumber(rlist: RecommendationList, ordered_ids: list[int]) -> None:
    entries = {entry.pk: entry for entry in rlist.entries.all()}
    changed = []
    for position, pk in enumerate(ordered_ids, start=1):
        entry = entries[pk]
        if entry.priority != position:
            entry.priority = position
            changed.append(entry)
    RecommendationEntry.objects.bulk_update(changed, ["priority"])


def snapshot(rlist: RecommendationList, user, now: dt.datetime) -> dict:
    policy = call_policy_for(rlist.call)
    rows = []
    for entry in rlist.entries.select_related("application__enterprise").prefetch_related("application__submissions"):
        application = entry.application
        enterprise = application.enterprise
        submission = application.latest_submission()
        tier = policy.find_tier(application.tier)
        rows.append({"priority": entry.priority, "application": application.pk, "enterprise_name": enterprise.name,
                     "credit_code": enterprise.credit_code, "industry_code": enterprise.industry_code,
                     "tier": application.tier, "tier_name": tier["name"] if tier else application.tier,
                     "submission_number": submission.number if submission else "",
                     "recommendation": entry.opinion})
    return {"call": rlist.call.code, "call_title": rlist.call.title, "unit": rlist.unit.name,
            "signed_by": user.display_name, "signed_at": now.isoformat(), "entries": rows}


def digest(data: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces): the fingerprint of a signed list."""
    return sha256_of_json(data)


# --- the 推荐名单 -------------------------------------------------------------------------------------------

class ListOperation(Operation):
    """One action of the 推荐名单 table on one list."""

    object_type = "recommendation_list"
    model = RecommendationList
    error_class = ReviewError
    action: ClassVar[str] = ""

    @property
    def spec(self) -> ListAction:
        return LIST_ACTIONS_BY_NAME[self.action]

    @property
    def now(self) -> dt.datetime:
        return self.params.get("now") or clock.now()

    def roles_for(self, obj) -> tuple[str, ...]:
        return self.spec.roles

    def in_scope(self, user, obj) -> bool:
        # A township officer acts on its own unit's list only; the city acts on every list.
        return "township" not in self.spec.roles or is_officer_of(user, obj.unit)

    def state_check(self, obj) -> Check:
        """Not frozen and within the deadline (editing actions); the others refine this."""
        problem = township_blocker(obj, self.now, editing=self.spec.editing)
        return refused(problem) if problem else ALLOWED

    def wrong_state(self, obj, verb: str) -> Check:
        return refused(gettext("推荐名单当前为“%(get_status_display)s”，%(verb)s") % {
                "get_status_display": obj.get_status_display(), "verb": verb})

    def lock(self) -> RecommendationList:
        return RecommendationList.objects.select_for_update().select_related("call", "unit").get(pk=self.obj.pk)

    def detail(self, obj, result) -> dict:
        return {}

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=obj.pk, action=self.action, from_status=before,
                           to_status=obj.status, reason=str(self.params.get("reason", "") or "").strip(),
                           detail=self.detail(obj, result), content_sha256=obj.snapshot_sha256 or "")

    def events(self, user, obj, result, entry):
        return [RecommendationListChanged(list_id=obj.pk, call_id=obj.call_id, unit_id=obj.unit_id,
                                          action=self.action, from_status=entry.from_status,
                                          to_status=entry.to_status, actor_id=getattr(user, "pk", None),
                                          audit_id=entry.pk)]

    @staticmethod
    def touch(rlist: RecommendationList) -> None:
        RecommendationList.objects.filter(pk=rlist.pk).update(updated_at=timezone.now())


@operation_class
class CreateList(ListOperation):
    """建立名单: the unit's (draft) list for a call. The object is the unit; ``call`` is a parameter."""

    name = "recommendation_list.create"
    label = gettext_noop("建立推荐名单")
    action = "create"
    model = Organisation

    def in_scope(self, user, obj) -> bool:
        return is_officer_of(user, obj)

    def state_check(self, obj) -> Check:
        return ALLOWED

    def lock(self) -> Organisation:
        # The unit's row serialises two officers creating its list at the same moment.
        return Organisation.objects.select_for_update().get(pk=self.obj.pk)

    def state_of(self, obj) -> str:
        return obj.status if isinstance(obj, RecommendationList) else ""

    def validate(self, user, obj) -> None:
        if RecommendationList.objects.filter(call=self.params["call"], unit=obj).exists():
            raise ListExists()

    def perform(self, user, obj) -> RecommendationList:
        return RecommendationList.objects.create(call=self.params["call"], unit=obj)

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        # from = to = draft, as the list page's history has always shown its creation.
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.action,
                           from_status=result.status, to_status=result.status)

    def events(self, user, obj, result, entry):
        return super().events(user, result, result, entry)


@operation_class
class AddEntries(ListOperation):
    """列入: applications at the end of the list, in the order given. All or nothing."""

    name = "recommendation_list.add"
    label = gettext_noop("列入推荐名单")
    action = "add"

    @property
    def ids(self) -> list[int]:
        return [application.pk for application in self.params.get("applications", ())]

    def lock(self) -> RecommendationList:
        # Applications before the list: the same order as a transition's hook (application, then list).
        self.locked = {a.pk: a for a in Application.objects.select_for_update().select_related(
            "enterprise__organisation").filter(pk__in=self.ids).order_by("pk")}
        return super().lock()

    def validate(self, user, obj) -> None:
        ids = self.ids
        if not ids:
            raise ReviewError(gettext("请选择要列入推荐名单的申报"))
        problems = []
        on_lists = dict(RecommendationEntry.objects.filter(application_id__in=ids).values_list(
            "application_id", "recommendation_list_id"))
        for pk in ids:
            application = self.locked.get(pk)
            if application is None:
                problems.append(gettext("申报 %(pk)s 不存在") % {"pk": pk})
                continue
            problem = entry_problem(application, obj)
            if problem is None and pk in on_lists:
                problem = gettext("“%(name)s”已在推荐名单中") % {"name": application.enterprise.name}
            if problem:
                problems.append(problem)
        if problems:
            raise ReviewError(gettext("未能列入推荐名单："), problems)

    def perform(self, user, obj) -> list[RecommendationEntry]:
        start = obj.entries.count()
        added = [RecommendationEntry.objects.create(recommendation_list=obj, application=self.locked[pk],
                                                    priority=start + n, added_by=user)
                 for n, pk in enumerate(dict.fromkeys(self.ids), start=1)]
        self.touch(obj)
        return added

    def detail(self, obj, result) -> dict:
        return {"entries": [{"application": e.application_id, "enterprise": e.application.enterprise.name,
                             "priority": e.priority} for e in result]}


@operation_class
class EditEntries(ListOperation):
    """修改顺序或意见: a new order (entry ids, first = priority 1) and opinions, in one row."""

    name = "recommendation_list.edit"
    label = gettext_noop("保存推荐顺序和推荐意见")
    action = "edit"

    def opinions(self) -> dict[int, str]:
        return dict(self.params.get("opinions") or {})

    def validate(self, user, obj) -> None:
        entries = list(obj.entries.select_related("application__enterprise"))
        current = [entry.pk for entry in entries]
        order = list(self.params.get("order") or [])
        if sorted(order) != sorted(current):
            raise ReviewError(gettext("推荐名单已被他人修改，请刷新页面后重试"))
        problems, self.changed, self.changes = [], [], []
        opinions = self.opinions()
        for entry in entries:
            if entry.pk not in opinions:
                continue
            text = (opinions[entry.pk] or "").strip()
            if len(text) > OPINION_MAX:
                problems.append(f"“{entry.application.enterprise.name}”的推荐意见不能超过 {OPINION_MAX} 字"
                                f"（现有 {len(text)} 字）")
                continue
            if text != entry.opinion:
                entry.opinion = text
                self.changed.append(entry)
                self.changes.append({"application": entry.application_id, "opinion": text})
        if problems:
            raise ReviewError(gettext("未保存："), problems)
        self.order, self.reordered = order, order != current
        self.names = {entry.pk: entry.application.enterprise.name for entry in entries}
        if not (self.changes or self.reordered):
            raise NothingChanged()

    def perform(self, user, obj) -> bool:
        RecommendationEntry.objects.bulk_update(self.changed, ["opinion"])
        if self.reordered:
            renumber(obj, self.order)
        self.touch(obj)
        return True

    def detail(self, obj, result) -> dict:
        return {"opinions": self.changes, **({"order": [self.names[pk] for pk in self.order]} if self.reordered else {})}


@operation_class
class ReorderEntries(EditEntries):
    """调整顺序 only (no opinions given)."""

    name = "recommendation_list.reorder"
    label = gettext_noop("调整推荐顺序")
    action = "reorder"

    def opinions(self) -> dict[int, str]:
        return {}

    def detail(self, obj, result) -> dict:
        return {"order": [self.names[pk] for pk in self.order]}


@operation_class
class RemoveEntry(ListOperation):
    """移出: one entry leaves the list; the rest are renumbered. ``reason`` says why (e.g. 撤回推荐)."""

    name = "recommendation_list.remove"
    label = gettext_noop("移出推荐名单")
    action = "remove"

    def validate(self, user, obj) -> None:
        entry = obj.entries.select_related("application__enterprise").filter(pk=self.params.get("entry_id")).first()
        if entry is None:
            raise ReviewError(gettext("该企业已不在推荐名单中，请刷新页面"))
        if received_by_city(entry.application):
            raise ReviewError(gettext("“%(name)s”的申报已由市经信局受理，不能移出推荐名单") % {
                    "name": entry.application.enterprise.name})
        self.entry = entry

    def perform(self, user, obj) -> dict:
        entry = self.entry
        detail = {"application": entry.application_id, "enterprise": entry.application.enterprise.name,
                  "priority": entry.priority}
        entry.delete()
        renumber(obj, list(obj.entries.order_by("priority", "id").values_list("pk", flat=True)))
        self.touch(obj)
        return detail

    def detail(self, obj, result) -> dict:
        return result


@operation_class
class SignList(ListOperation):
    """签发: check, freeze and snapshot the list."""

    name = "recommendation_list.sign"
    label = gettext_noop("签发推荐名单")
    action = "sign"

    def state_check(self, obj) -> Check:
        if obj.status not in self.spec.sources:
            return self.wrong_state(obj, gettext("不能签发"))
        return super().state_check(obj)

    def validate(self, user, obj) -> None:
        problems = list(sign_blockers(obj))
        # A recommendation quota per unit, when the call pack declares one (call_rules: recommendation_quota).
        quota = call_policy_for(obj.call).recommendation_quota
        count = obj.entries.count()
        if quota is not None and count > quota:
            problems.append(gettext("名单有 %(count)s 家，超过本批次每个单位最多推荐 %(quota)s 家的名额，请删减后再签发") % {
                "count": count, "quota": quota})
        if problems:
            raise ReviewError(gettext("暂不能签发："), problems)

    def perform(self, user, obj) -> RecommendationList:
        now = self.now
        content = snapshot(obj, user, now)
        obj.status = self.spec.target
        obj.signed_by, obj.signed_at = user, now
        obj.snapshot, obj.snapshot_sha256 = content, digest(content)
        obj.save()
        count = len(content["entries"])
        notify(township_officers(obj.unit).exclude(pk=user.pk), kind="review.list_signed",
               title=text(gettext_noop("%(unit)s推荐名单已签发，待报送"), unit=obj.unit.name),
               body=text(gettext_noop("%(name)s已签发推荐名单（%(count)s 家），请在截止前报送市经信局。"),
                         name=user.display_name, count=count), link=list_url(obj))
        return obj

    def detail(self, obj, result) -> dict:
        return {"snapshot_sha256": obj.snapshot_sha256, "entries": len(obj.snapshot.get("entries", []))}


@operation_class
class UnsignList(ListOperation):
    """撤销签发 (before sending): the list becomes editable again."""

    name = "recommendation_list.unsign"
    label = gettext_noop("撤销签发")
    action = "unsign"

    def state_check(self, obj) -> Check:
        if obj.status not in self.spec.sources:
            return self.wrong_state(obj, gettext("不能撤销签发"))
        return super().state_check(obj)

    def perform(self, user, obj) -> RecommendationList:
        obj.status = unsign_target(obj)
        obj.signed_by, obj.signed_at = None, None
        obj.snapshot, obj.snapshot_sha256 = {}, ""
        obj.save()
        return obj


@operation_class
class SendList(ListOperation):
    """报送: send the signed list to the city."""

    name = "recommendation_list.send"
    label = gettext_noop("报送市经信局")
    action = "send"

    def state_check(self, obj) -> Check:
        if obj.status == ListState.SENT:
            return self.wrong_state(obj, gettext("不能重复报送"))
        blocked = super().state_check(obj)
        if not blocked:
            return blocked
        if obj.status not in self.spec.sources:
            return refused(gettext("推荐名单须先签发才能报送"))
        return ALLOWED

    def perform(self, user, obj) -> RecommendationList:
        now = self.now
        self.resend = obj.reopened_at is not None
        obj.status = self.spec.target
        obj.sent_by, obj.sent_at = user, now
        obj.save()
        rows = obj.snapshot.get("entries", [])
        title = text(gettext_noop("%(unit)s重新报送了推荐名单（%(count)s 家）") if self.resend
                     else gettext_noop("%(unit)s报送了推荐名单（%(count)s 家）"), unit=obj.unit.name, count=len(rows))
        # One line per entry: its number, name and the township's own words (shown as written).
        body = [text(gettext_noop("%(priority)s. %(name)s：%(recommendation)s"), priority=row["priority"],
                     name=row["enterprise_name"], recommendation=row["recommendation"]) for row in rows]
        notify(city_officers(), kind="review.list_sent", title=title, body=body, link=list_url(obj))
        notify(township_officers(obj.unit), kind="review.list_sent",
               title=text(gettext_noop("推荐名单已报送市经信局（%(count)s 家）"), count=len(rows)),
               body=text(gettext_noop("%(name)s于 %(time)s 报送。"), name=user.display_name,
                         time=beijing_text(now, "%Y-%m-%d %H:%M")),
               link=list_url(obj))
        return obj

    def detail(self, obj, result) -> dict:
        return {"snapshot_sha256": obj.snapshot_sha256, "entries": len(obj.snapshot.get("entries", [])),
                "resend": self.resend}


@operation_class
class ReopenList(ListOperation):
    """退回修改 by the city: the township may change the list and send it again (once)."""

    name = "recommendation_list.reopen"
    label = gettext_noop("退回修改")
    action = "reopen"

    def state_check(self, obj) -> Check:
        if obj.status not in self.spec.sources:
            return self.wrong_state(obj, gettext("不需要退回修改"))
        return ALLOWED

    def validate(self, user, obj) -> None:
        if not str(self.params.get("reason", "") or "").strip():
            raise ReviewError(gettext("退回修改须写明原因"))

    def perform(self, user, obj) -> RecommendationList:
        reason = self.params["reason"].strip()
        obj.status = self.spec.target
        obj.reopened_by, obj.reopened_at, obj.reopen_reason = user, self.now, reason
        obj.save()
        notify(township_officers(obj.unit), kind="review.list_reopened",
               title=text(gettext_noop("市经信局退回推荐名单，请修改后重新报送")),
               body=[text(gettext_noop("原因：%(reason)s"), reason=reason),
                     text(gettext_noop("修改并签发后可重新报送一次。"))], link=list_url(obj))
        return obj


# --- 形式审查 -----------------------------------------------------------------------------------------------

@operation_class
class FormalReviewDecision(Operation):
    """形式审查: the checklist as decided, and its decision (通过 / 不通过 / 退回补正) as the application's transition.

    ``check`` is the transition's own check (role, scope, state and every rule added to it). ``execute`` validates
    the checklist on the locked row and hands the change to ``application_transition``, which writes the one
    audit row of the decision; the FormalReview points at that row. (This is why ``execute`` is overridden: the
    base would write a second row.)

    Parameters: ``decision`` (a FormalReview.Decision, default 通过), ``checked`` (item key → tick; None takes the
    engine's pre-fill), ``override_reasons``, ``reason``, ``section_reasons``, ``batch``, ``now``, and for 退回补正
    its 补正期限 ``due_date`` / ``due_reason``.
    """

    name = "formal_review.decide"
    label = gettext_noop("形式审查")
    object_type = "application"
    model = Application
    error_class = ReviewError

    @property
    def decision(self) -> str:
        return self.params.get("decision") or FormalReview.Decision.PASS

    def _check(self, user, obj) -> Check:
        if self.decision not in FormalReview.Decision.values:
            return refused(gettext("未知的审查结论“%(decision)s”") % {"decision": self.decision})
        return operation(f"application.{self.decision}", obj).check(user)

    def items(self, application: Application) -> list[dict[str, Any]]:
        checked = self.params.get("checked")
        reasons = {k: (v or "").strip() for k, v in (self.params.get("override_reasons") or {}).items()}
        items, problems, unticked = [], [], []
        for item in formal_checklist(application):
            ticked = item.engine_checked if checked is None else bool(checked.get(item.key, False))
            why = reasons.get(item.key, "")
            if ticked != item.engine_checked and not why:
                problems.append(gettext("“%(label)s”（%(group)s）与系统预审不一致，须说明理由") % {
                    "label": item.label, "group": item.group})
            if not ticked:
                unticked.append(f"{item.group}：{item.label}（{item.engine_message}）")
            items.append({**item.as_dict(), "checked": ticked, "override_reason": why})
        if problems:
            raise ReviewError(gettext("请说明改变系统预审结果的理由："), problems)
        if self.decision == FormalReview.Decision.PASS and unticked:
            head = (gettext("系统预审有未通过的审查项，须逐件进行形式审查：") if self.params.get("batch")
                    else gettext("以下审查项未勾选，不能通过形式审查："))
            raise ReviewError(head, unticked)
        return items

    def execute(self, user) -> FormalReview:
        with transaction.atomic():
            application = Application.objects.select_for_update().select_related("enterprise", "call").get(
                pk=self.obj.pk)
            self.obj = application
            verdict = self._check(user, application)
            if verdict.forbidden:
                raise PermissionDenied(verdict.reason)
            if not verdict:
                raise self.error_class(verdict.reason)
            items = self.items(application)
            entry = application_services.application_transition(
                application=application, action=self.decision, user=user, reason=self.params.get("reason", ""),
                section_reasons=self.params.get("section_reasons"), due_date=self.params.get("due_date"),
                due_reason=self.params.get("due_reason", ""))
            return FormalReview.objects.create(
                application=application, items=items, reviewer=user, decided_at=self.params.get("now") or clock.now(),
                decision=self.decision, reason=entry.reason, section_reasons=entry.section_reasons,
                batch=bool(self.params.get("batch")), audit_entry=entry)


def formal_review_open(application: Application) -> bool:
    """形式审查 is pending (the checklist is shown): the state its decisions start from."""
    return application.status in TRANSITIONS_BY_ACTION[FormalReview.Decision.PASS].sources
