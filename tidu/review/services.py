"""Business rules of the review side: invitations (广泛动员), the 推荐名单, city intake, 形式审查 and batch actions.

Every change of an application's state still goes through ``applications.services.application_transition``;
this module adds the rules around it:

* The 推荐名单 (附件5) is an object. Only the unit's applications in 乡镇已推荐 can be on it, ranked by priority,
  each with a 推荐意见. Signing (签发) needs at least one entry and an opinion for each; it freezes the list,
  which is then sent (报送) to the city. All of this only before the township deadline
  (``call.township_deadline_before``, i.e. the whole last day, 北京时间). Afterwards only a city officer can
  reopen a signed or sent list (with a reason); the township may then change it and send it again, once per
  reopening. Every step is recorded (in the audit trail) and notified.
* The city receives (受理) an application only once it is on its unit's sent list.
* 形式审查 is a checklist pre-filled from the engine at the moment of review; the officer may change any item
  but must say why, and the decision goes through application_transition.
* Batch actions run over the whole filtered set, each item in its own transaction, and report per item.

``now`` is injectable everywhere (tests, demo data); by default it is ``tidu.core.clock.now()``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tidu.accounts.models import Organisation, User
from tidu.accounts.permissions import is_city_user, role_of, unit_of
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.applications.services import ApplicationError
from tidu.applications.workflow import TRANSITIONS_BY_ACTION, State, state_label
from tidu.core import clock
from tidu.core.dates import beijing_text, date_zh
from tidu.core.hashing import sha256_of_json
from tidu.core.operations import AuditRecord, write_audit
from tidu.eligibility.findings import Result
from tidu.eligibility.interchange import InterchangeError
from tidu.notifications.services import notify
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.review.models import (
    BatchRun,
    FormalReview,
    Invitation,
    RecommendationEntry,
    RecommendationList,
)

logger = logging.getLogger(__name__)
Role = User.Role
ListStatus = RecommendationList.Status
OPINION_MAX = 1000
INVITATIONS_MAX = 100


class ReviewError(ApplicationError):
    """A refused review operation; ``message`` (and ``details``) are shown to the user as they are (Chinese)."""


# --- people -----------------------------------------------------------------------------------------

def township_officers(unit: Organisation) -> QuerySet[User]:
    return User.objects.filter(role=Role.TOWNSHIP, organisation=unit, is_active=True)


def city_officers() -> QuerySet[User]:
    return User.objects.filter(role=Role.CITY, is_active=True)


def is_officer_of(user, unit: Organisation) -> bool:
    """A township officer of exactly this unit."""
    if role_of(user) != Role.TOWNSHIP:
        return False
    own = unit_of(user)
    return own is not None and own.pk == unit.pk


def is_city_officer(user) -> bool:
    """Who acts for the city (受理, 形式审查, reopening lists): 市经信局经办人 (accounts.permissions.is_city_user)."""
    return is_city_user(user)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or clock.now()


# --- invitations (广泛动员) ----------------------------------------------------------------------------

def parse_invitation_emails(text: str) -> tuple[list[str], list[str]]:
    """(addresses, problems): one address per line; blank lines ignored, repeats collapsed (case-insensitive)."""
    addresses, problems, seen = [], [], set()
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        # Allow "；" "," separated pastes from spreadsheets on one line as well.
        for part in line.replace("；", ";").replace("，", ",").replace(",", ";").split(";"):
            address = part.strip()
            if not address:
                continue
            try:
                validate_email(address)
            except ValidationError:
                problems.append(f"第 {number} 行“{address}”不是有效的电子邮箱地址")
                continue
            key = address.lower()
            if key not in seen:
                seen.add(key)
                addresses.append(address)
    if not addresses and not problems:
        problems.append("请至少填写一个电子邮箱地址（每行一个）")
    if len(addresses) > INVITATIONS_MAX:
        problems.append(f"一次最多邀请 {INVITATIONS_MAX} 个地址（本次 {len(addresses)} 个），请分批发送")
    return addresses, problems


def invitation_text(*, unit: Organisation, call: Call | None, register_url: str, inviter) -> tuple[str, str]:
    """(subject, body) of the invitation e-mail, with the call's dates."""
    subject = f"【{unit.name}】邀请贵企业申报" + (call.title if call else "智能工厂")
    lines = ["贵企业负责同志：", ""]
    if call is not None:
        policy = call_policy_for(call)
        lines.append(f"{unit.name}诚邀符合条件的企业申报“{call.title}”。")
        lines.append(f"· 企业申报时间：{date_zh(policy.window_opens)} 至 {date_zh(policy.window_closes)} 24:00（北京时间）")
        lines.append(f"· 乡镇（办事处、农场、开发区）推荐截止：{date_zh(policy.township_deadline)} 24:00，"
                     "请尽早提交，便于审核推荐")
    else:
        lines.append(f"{unit.name}诚邀符合条件的企业参加智能工厂梯度培育申报。")
    lines += ["", f"请先在平台完成企业登记（所属单位请选择“{unit.name}”），经确认后即可在线填写申报书：",
              register_url, "",
              f"联系人：{inviter.display_name}" + (f"，电话 {inviter.phone}" if inviter.phone else "")
              + (f"，邮箱 {inviter.email}" if inviter.email else ""),
              "", unit.name]
    return subject, "\n".join(lines)


def invitations_send(*, unit: Organisation, call: Call | None, emails_text: str, user, register_url: str
                     ) -> list[Invitation]:
    """Record and send one invitation per address. Refuses the whole form if any address is invalid."""
    if not is_officer_of(user, unit):
        raise PermissionDenied
    addresses, problems = parse_invitation_emails(emails_text)
    if problems:
        raise ReviewError("邀请未发送，请修改后重试：", problems)
    subject, body = invitation_text(unit=unit, call=call, register_url=register_url, inviter=user)
    invitations = []
    for address in addresses:
        invitation = Invitation.objects.create(unit=unit, call=call, email=address, invited_by=user)
        try:
            send_mail(subject, body, None, [address])
        except Exception as error:  # one bad mailbox must not stop the rest
            logger.exception("invitation %s could not be sent", invitation.pk)
            invitation.error = f"发送失败：{error}"[:300]
        else:
            invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at", "error"])
        invitations.append(invitation)
    return invitations


# --- the 推荐名单: rules -------------------------------------------------------------------------------

def deadline_passed(call: Call, now: dt.datetime) -> bool:
    """The township deadline covers its whole last day (北京时间): passed from 00:00 of the next day."""
    return now >= call.township_deadline_before


def reopen_pending(rlist: RecommendationList) -> bool:
    """Reopened by the city and not yet sent again: the township may change and send it once more."""
    return rlist.reopened_at is not None and (rlist.sent_at is None or rlist.sent_at < rlist.reopened_at)


def township_may_change(rlist: RecommendationList, now: dt.datetime) -> bool:
    return not deadline_passed(rlist.call, now) or reopen_pending(rlist)


def township_blocker(rlist: RecommendationList, now: dt.datetime, *, editing: bool = True) -> str | None:
    """Why the township cannot change (``editing``) or sign/send the list now; None if it can."""
    if editing and rlist.is_frozen:
        return "推荐名单已签发，不能再修改" + ("" if rlist.status == ListStatus.SENT else "（可先撤销签发）")
    if not township_may_change(rlist, now):
        day = rlist.call.township_deadline_on
        return (f"乡镇推荐截止时间（{date_zh(day)} 24:00，北京时间）已过，推荐名单不能再修改或报送；"
                "如需修改，请联系市经信局退回名单")
    return None


def _lock(rlist: RecommendationList) -> RecommendationList:
    return RecommendationList.objects.select_for_update().select_related("call", "unit").get(pk=rlist.pk)


def _require_officer(user, rlist: RecommendationList) -> None:
    if not is_officer_of(user, rlist.unit):
        raise PermissionDenied


def _require_change(rlist: RecommendationList, now: dt.datetime, *, editing: bool = True) -> None:
    problem = township_blocker(rlist, now, editing=editing)
    if problem:
        raise ReviewError(problem)


def _event(rlist: RecommendationList, action: str, user, *, from_status: str = "", reason: str = "",
           detail: dict | None = None):
    return write_audit(user, AuditRecord(
        object_type="recommendation_list", object_id=rlist.pk, action=action,
        from_status=from_status or rlist.status, to_status=rlist.status, reason=reason, detail=detail or {}))


def list_url(rlist: RecommendationList) -> str:
    return reverse("review:list_detail", args=[rlist.pk])


def _renumber(rlist: RecommendationList, ordered_ids: list[int]) -> None:
    entries = {entry.pk: entry for entry in rlist.entries.all()}
    changed = []
    for position, pk in enumerate(ordered_ids, start=1):
        entry = entries[pk]
        if entry.priority != position:
            entry.priority = position
            changed.append(entry)
    RecommendationEntry.objects.bulk_update(changed, ["priority"])


def order_from_positions(ids: list[int], positions: dict[int, int]) -> list[int]:
    """The new order when the user typed position numbers: an entry given number N lands at place N.

    ``ids`` is the current order; ``positions`` maps entry id → the number typed (missing = unchanged). On a tie,
    an entry moved up goes before the entries already there, one moved down goes after them.
    """
    def key(item):
        index, pk = item
        wanted = positions.get(pk, index + 1)
        current = index + 1
        return (wanted, 0 if wanted < current else 2 if wanted > current else 1, index)

    return [pk for _, pk in sorted(enumerate(ids), key=key)]


def move(ids: list[int], pk: int, delta: int) -> list[int]:
    """Swap the entry ``pk`` with its neighbour (delta -1 = up, +1 = down); unchanged at either end."""
    ids = list(ids)
    if pk not in ids:
        return ids
    index = ids.index(pk)
    target = index + delta
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return ids


def received_by_city(application: Application) -> bool:
    """The city has received (受理) it at some point: it stays on its list whatever happened afterwards."""
    return application.events.filter(action="city_receive").exists()


def _entry_problem(application: Application, rlist: RecommendationList) -> str | None:
    name = application.enterprise.name
    if application.enterprise.organisation.parent_id != rlist.unit_id:
        return f"“{name}”不属于{rlist.unit.name}"
    if application.call_id != rlist.call_id:
        return f"“{name}”的申报不属于{rlist.call.title}"
    if application.status != State.TOWNSHIP_RECOMMENDED:
        return f"“{name}”的申报当前为“{state_label(application.status)}”，只有乡镇已推荐的申报才能列入推荐名单"
    return None


# --- the 推荐名单: operations --------------------------------------------------------------------------

def list_for(*, call: Call, unit: Organisation, user) -> RecommendationList:
    """The unit's list for the call, created (as a draft) on first use by one of its officers."""
    if not is_officer_of(user, unit):
        raise PermissionDenied
    existing = RecommendationList.objects.filter(call=call, unit=unit).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            rlist = RecommendationList.objects.create(call=call, unit=unit)
            _event(rlist, "create", user)
            return rlist
    except IntegrityError:  # another officer created it at the same moment
        return RecommendationList.objects.get(call=call, unit=unit)


def entries_add(*, rlist: RecommendationList, applications: Iterable[Application], user,
                now: dt.datetime | None = None) -> list[RecommendationEntry]:
    """Put applications at the end of the list, in the order given. All or nothing."""
    now = _now(now)
    _require_officer(user, rlist)
    ids = [application.pk for application in applications]
    if not ids:
        raise ReviewError("请选择要列入推荐名单的申报")
    with transaction.atomic():
        # Applications before the list: the same order as a transition's hook (application, then list).
        locked = {a.pk: a for a in Application.objects.select_for_update().select_related(
            "enterprise__organisation").filter(pk__in=ids).order_by("pk")}
        rlist = _lock(rlist)
        _require_change(rlist, now)
        problems = []
        on_lists = dict(RecommendationEntry.objects.filter(application_id__in=ids).values_list(
            "application_id", "recommendation_list_id"))
        for pk in ids:
            application = locked.get(pk)
            if application is None:
                problems.append(f"申报 {pk} 不存在")
                continue
            problem = _entry_problem(application, rlist)
            if problem is None and pk in on_lists:
                problem = f"“{application.enterprise.name}”已在推荐名单中"
            if problem:
                problems.append(problem)
        if problems:
            raise ReviewError("未能列入推荐名单：", problems)
        start = rlist.entries.count()
        added = [RecommendationEntry.objects.create(recommendation_list=rlist, application=locked[pk],
                                                    priority=start + n, added_by=user)
                 for n, pk in enumerate(dict.fromkeys(ids), start=1)]
        _event(rlist, "add", user, detail={"entries": [
            {"application": e.application_id, "enterprise": e.application.enterprise.name, "priority": e.priority}
            for e in added]})
        RecommendationList.objects.filter(pk=rlist.pk).update(updated_at=timezone.now())
    return added


def entries_update(*, rlist: RecommendationList, order: list[int], opinions: dict[int, str], user,
                   now: dt.datetime | None = None) -> bool:
    """Store a new order (entry ids, first = priority 1) and opinions. Returns whether anything changed."""
    now = _now(now)
    _require_officer(user, rlist)
    with transaction.atomic():
        rlist = _lock(rlist)
        _require_change(rlist, now)
        entries = list(rlist.entries.select_related("application__enterprise"))
        current = [entry.pk for entry in entries]
        if sorted(order) != sorted(current):
            raise ReviewError("推荐名单已被他人修改，请刷新页面后重试")
        problems = []
        changes = []
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
                entry.save(update_fields=["opinion"])
                changes.append({"application": entry.application_id, "opinion": text})
        if problems:
            raise ReviewError("未保存：", problems)
        reordered = order != current
        if reordered:
            _renumber(rlist, order)
        if not (changes or reordered):
            return False
        names = {entry.pk: entry.application.enterprise.name for entry in entries}
        _event(rlist, "edit", user, detail={"opinions": changes,
                                            **({"order": [names[pk] for pk in order]} if reordered else {})})
        RecommendationList.objects.filter(pk=rlist.pk).update(updated_at=timezone.now())
    return True


def entry_remove(*, rlist: RecommendationList, entry_id: int, user, now: dt.datetime | None = None) -> None:
    now = _now(now)
    _require_officer(user, rlist)
    with transaction.atomic():
        rlist = _lock(rlist)
        _require_change(rlist, now)
        entry = rlist.entries.select_related("application__enterprise").filter(pk=entry_id).first()
        if entry is None:
            raise ReviewError("该企业已不在推荐名单中，请刷新页面")
        if received_by_city(entry.application):
            raise ReviewError(f"“{entry.application.enterprise.name}”的申报已由市经信局受理，不能移出推荐名单")
        _remove(rlist, entry, user)


def _remove(rlist: RecommendationList, entry: RecommendationEntry, user, reason: str = "") -> None:
    detail = {"application": entry.application_id, "enterprise": entry.application.enterprise.name,
              "priority": entry.priority}
    entry.delete()
    _renumber(rlist, list(rlist.entries.order_by("priority", "id").values_list("pk", flat=True)))
    _event(rlist, "remove", user, reason=reason, detail=detail)
    RecommendationList.objects.filter(pk=rlist.pk).update(updated_at=timezone.now())


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
        problem = _entry_problem(entry.application, rlist)
        if problem:
            problems.append(f"第 {entry.priority} 位：{problem}，请移出名单")
    return problems


def _snapshot(rlist: RecommendationList, user, now: dt.datetime) -> dict:
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


def list_sign(*, rlist: RecommendationList, user, now: dt.datetime | None = None) -> RecommendationList:
    """签发: check, freeze and snapshot the list."""
    now = _now(now)
    _require_officer(user, rlist)
    with transaction.atomic():
        rlist = _lock(rlist)
        if rlist.status not in (ListStatus.DRAFT, ListStatus.REOPENED):
            raise ReviewError(f"推荐名单当前为“{rlist.get_status_display()}”，不能签发")
        _require_change(rlist, now)
        problems = sign_blockers(rlist)
        if problems:
            raise ReviewError("暂不能签发：", problems)
        came_from = rlist.status
        snapshot = _snapshot(rlist, user, now)
        rlist.status = ListStatus.SIGNED
        rlist.signed_by, rlist.signed_at = user, now
        rlist.snapshot, rlist.snapshot_sha256 = snapshot, sha256_of_json(snapshot)
        rlist.save()
        _event(rlist, "sign", user, from_status=came_from,
               detail={"snapshot_sha256": rlist.snapshot_sha256, "entries": len(snapshot["entries"])})
        notify(township_officers(rlist.unit).exclude(pk=user.pk), kind="review.list_signed",
               title=f"{rlist.unit.name}推荐名单已签发，待报送",
               body=f"{user.display_name}已签发推荐名单（{len(snapshot['entries'])} 家），请在截止前报送市经信局。",
               link=list_url(rlist))
    return rlist


def list_unsign(*, rlist: RecommendationList, user, now: dt.datetime | None = None) -> RecommendationList:
    """撤销签发 (before sending): the list becomes editable again."""
    now = _now(now)
    _require_officer(user, rlist)
    with transaction.atomic():
        rlist = _lock(rlist)
        if rlist.status != ListStatus.SIGNED:
            raise ReviewError(f"推荐名单当前为“{rlist.get_status_display()}”，不能撤销签发")
        _require_change(rlist, now, editing=False)
        rlist.status = ListStatus.REOPENED if reopen_pending(rlist) else ListStatus.DRAFT
        rlist.signed_by, rlist.signed_at = None, None
        rlist.snapshot, rlist.snapshot_sha256 = {}, ""
        rlist.save()
        _event(rlist, "unsign", user, from_status=ListStatus.SIGNED)
    return rlist


def list_send(*, rlist: RecommendationList, user, now: dt.datetime | None = None) -> RecommendationList:
    """报送: send the signed list to the city."""
    now = _now(now)
    _require_officer(user, rlist)
    with transaction.atomic():
        rlist = _lock(rlist)
        if rlist.status == ListStatus.SENT:
            raise ReviewError(f"推荐名单当前为“{rlist.get_status_display()}”，不能重复报送")
        _require_change(rlist, now, editing=False)
        if rlist.status != ListStatus.SIGNED:
            raise ReviewError("推荐名单须先签发才能报送")
        resend = rlist.reopened_at is not None
        rlist.status = ListStatus.SENT
        rlist.sent_by, rlist.sent_at = user, now
        rlist.save()
        count = len(rlist.snapshot.get("entries", []))
        _event(rlist, "send", user, from_status=ListStatus.SIGNED,
               detail={"snapshot_sha256": rlist.snapshot_sha256, "entries": count, "resend": resend})
        title = f"{rlist.unit.name}{'重新' if resend else ''}报送了推荐名单（{count} 家）"
        body = "\n".join(f"{row['priority']}. {row['enterprise_name']}：{row['recommendation']}"
                         for row in rlist.snapshot.get("entries", []))
        notify(city_officers(), kind="review.list_sent", title=title, body=body, link=list_url(rlist))
        notify(township_officers(rlist.unit), kind="review.list_sent", title=f"推荐名单已报送市经信局（{count} 家）",
               body=f"{user.display_name}于 {beijing_text(now, '%Y-%m-%d %H:%M')} 报送。",
               link=list_url(rlist))
    return rlist


def list_reopen(*, rlist: RecommendationList, user, reason: str, now: dt.datetime | None = None
                ) -> RecommendationList:
    """退回修改 by the city: the township may change the list and send it again (once)."""
    now = _now(now)
    if not is_city_officer(user):
        raise PermissionDenied
    reason = (reason or "").strip()
    with transaction.atomic():
        rlist = _lock(rlist)
        if rlist.status not in (ListStatus.SIGNED, ListStatus.SENT):
            raise ReviewError(f"推荐名单当前为“{rlist.get_status_display()}”，不需要退回修改")
        if not reason:
            raise ReviewError("退回修改须写明原因")
        came_from = rlist.status
        rlist.status = ListStatus.REOPENED
        rlist.reopened_by, rlist.reopened_at, rlist.reopen_reason = user, now, reason
        rlist.save()
        _event(rlist, "reopen", user, from_status=came_from, reason=reason)
        notify(township_officers(rlist.unit), kind="review.list_reopened",
               title="市经信局退回推荐名单，请修改后重新报送",
               body=f"原因：{reason}\n修改并签发后可重新报送一次。", link=list_url(rlist))
    return rlist


def withdraw_guard(application: Application, user, now: dt.datetime | None = None) -> None:
    """Before 撤回推荐: refused while the application is on a frozen list; otherwise it leaves the list too."""
    entry = (RecommendationEntry.objects.select_related("application__enterprise")
             .filter(application=application).first())
    if entry is None:
        return
    rlist = _lock(entry.recommendation_list)
    if rlist.is_frozen:
        raise ApplicationError(f"该申报已列入{rlist.get_status_display()}的推荐名单（第 {entry.priority} 位），"
                               "不能撤回推荐；如需调整，请先撤销签发，或联系市经信局退回名单")
    problem = township_blocker(rlist, _now(now))
    if problem:
        raise ApplicationError(problem)
    _remove(rlist, entry, user, reason="撤回推荐")


# --- city intake ------------------------------------------------------------------------------------

def receive_blocker(application: Application) -> str | None:
    """The city receives only what the unit sent: the application must be on its unit's sent list."""
    entry = (RecommendationEntry.objects.select_related("recommendation_list")
             .filter(application=application).first())
    if entry is None:
        return "未列入所属单位的推荐名单，不能受理"
    if entry.recommendation_list.status != ListStatus.SENT:
        return f"所属单位的推荐名单当前为“{entry.recommendation_list.get_status_display()}”，报送后才能受理"
    return None


def city_receive(*, application: Application, user):
    """受理 one application (see receive_blocker)."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status == State.TOWNSHIP_RECOMMENDED:
            problem = receive_blocker(application)
            if problem:
                raise ReviewError(problem)
        return application_services.application_transition(application=application, action="city_receive",
                                                            user=user)


# --- 形式审查 ---------------------------------------------------------------------------------------------

MATERIALS, CONDITIONS = "材料齐全", "条件符合"


@dataclass
class CheckItem:
    key: str
    group: str
    label: str
    engine_checked: bool
    engine_result: str  # pass / fail / review / missing
    engine_message: str
    clause_text: str = ""

    def as_dict(self) -> dict:
        return {"key": self.key, "group": self.group, "label": self.label, "engine_checked": self.engine_checked,
                "engine_result": self.engine_result, "engine_message": self.engine_message,
                "clause_text": self.clause_text}


def formal_checklist(application: Application) -> list[CheckItem]:
    """The checklist as the engine sees the application right now: 材料齐全, then 条件符合 clause by clause."""
    policy = call_policy_for(application.call)
    items: list[CheckItem] = []
    for progress in application_services.application_progress(application, policy):
        complete = progress.clean.complete
        parts = []
        if progress.clean.missing:
            parts.append(f"{len(progress.clean.missing)} 项未填")
        if progress.clean.errors:
            parts.append(f"{len(progress.clean.errors)} 项有误")
        items.append(CheckItem(f"section:{progress.key}", MATERIALS, f"“{progress.title}”填写完整",
                               complete, Result.PASS if complete else Result.MISSING,
                               "已完整填写" if complete else "，".join(parts)))
    topics = set(application.evidence.values_list("topic", flat=True))
    uploaded = "maturity_report" in topics
    items.append(CheckItem("evidence:maturity_report", MATERIALS, "成熟度自评估报告已上传", uploaded,
                           Result.PASS if uploaded else Result.MISSING, "已上传" if uploaded else "未上传自评估报告"))
    for topic, label in SECTIONS_BY_KEY["conditions"].evidence_topics:
        present = topic in topics
        items.append(CheckItem(f"evidence:{topic}", MATERIALS, f"{label}佐证材料已上传", present,
                               Result.PASS if present else Result.MISSING,
                               "已上传" if present else f"未上传{label}的佐证材料"))
    try:
        verdict = application_services.application_verdict(application, policy)
    except InterchangeError as error:
        message = "申报内容无法判定：" + "；".join(f"{field}：{text}" for field, text in error.problems)
        items.append(CheckItem("clause:*", CONDITIONS, "系统判定", False, Result.REVIEW, message))
        return items
    for finding in verdict.findings:
        passed = finding.result == Result.PASS
        items.append(CheckItem(f"clause:{finding.clause}", CONDITIONS, finding.clause, passed, str(finding.result),
                               finding.message, finding.clause_text))
    return items


def formal_review_decide(*, application: Application, user, decision: str, checked: dict[str, bool] | None = None,
                         override_reasons: dict[str, str] | None = None, reason: str = "",
                         section_reasons: dict[str, str] | None = None, batch: bool = False,
                         now: dt.datetime | None = None) -> FormalReview:
    """Record a 形式审查 and take its decision (形式审查通过 / 不通过 / 退回补正) through application_transition.

    ``checked`` maps item keys to the officer's ticks (None: take the engine's pre-fill as it is). An item that
    differs from the engine's pre-fill needs a reason in ``override_reasons``. 通过 needs every item ticked.
    """
    if decision not in FormalReview.Decision.values:
        raise ReviewError(f"未知的审查结论“{decision}”")
    if not is_city_officer(user):
        raise PermissionDenied
    override_reasons = {k: (v or "").strip() for k, v in (override_reasons or {}).items()}
    transition = TRANSITIONS_BY_ACTION[decision]
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("enterprise", "call").get(
            pk=application.pk)
        if application.status not in transition.sources:
            raise ApplicationError(f"申报当前状态为“{state_label(application.status)}”，不能“{transition.label}”")
        items, problems, unticked = [], [], []
        for item in formal_checklist(application):
            ticked = item.engine_checked if checked is None else bool(checked.get(item.key, False))
            why = override_reasons.get(item.key, "")
            if ticked != item.engine_checked and not why:
                problems.append(f"“{item.label}”（{item.group}）与系统预审不一致，须说明理由")
            if not ticked:
                unticked.append(f"{item.group}：{item.label}（{item.engine_message}）")
            items.append({**item.as_dict(), "checked": ticked, "override_reason": why})
        if problems:
            raise ReviewError("请说明改变系统预审结果的理由：", problems)
        if decision == FormalReview.Decision.PASS and unticked:
            head = ("系统预审有未通过的审查项，须逐件进行形式审查：" if batch
                    else "以下审查项未勾选，不能通过形式审查：")
            raise ReviewError(head, unticked)
        event = application_services.application_transition(
            application=application, action=decision, user=user, reason=reason, section_reasons=section_reasons)
        return FormalReview.objects.create(
            application=application, items=items, reviewer=user, decided_at=_now(now), decision=decision,
            reason=event.reason, section_reasons=event.section_reasons, batch=batch, audit_entry=event)


# --- batch actions ------------------------------------------------------------------------------------

# Batch actions offered at intake. The later steps (专家评审, 现场核查, 公示/认定) belong to their own domains with
# their own rules, and 退回补正 needs reasons per section: those are done one by one on their own pages.
BATCH_ACTIONS = ("city_receive", "formal_pass", "formal_fail")


def batch_actions_for(states: Iterable[str]):
    """The batch actions valid for a selection with these states (any item in a source state)."""
    states = set(states)
    return [TRANSITIONS_BY_ACTION[action] for action in BATCH_ACTIONS
            if states & set(TRANSITIONS_BY_ACTION[action].sources)]


def _perform(application: Application, action: str, user, reason: str):
    if action == "city_receive":
        return city_receive(application=application, user=user)
    return formal_review_decide(application=application, user=user, decision=action, reason=reason, batch=True)


def batch_run(*, applications: QuerySet[Application], action: str, user, reason: str = "",
              filters: dict | None = None, filters_text: str = "") -> BatchRun:
    """Perform ``action`` on every application of the (already filtered) queryset; never stops half-way.

    Each item runs in its own transaction; a refusal is recorded with its Chinese reason and the run goes on.
    """
    if action not in BATCH_ACTIONS:
        raise ReviewError(f"“{action}”不能批量办理")
    if not is_city_officer(user):
        raise PermissionDenied
    transition = TRANSITIONS_BY_ACTION[action]
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ReviewError(f"“{transition.label}”须填写意见（将用于全部申报）")
    ids = list(applications.values_list("pk", flat=True))
    run = BatchRun.objects.create(action=action, action_label=transition.label, filters=filters or {},
                                  filters_text=filters_text[:500], reason=reason, actor=user, total=len(ids))
    results = []
    for application in Application.objects.filter(pk__in=ids).select_related(
            "enterprise__organisation__parent").order_by("enterprise__organisation__parent__name",
                                                         "enterprise__name", "pk"):
        row = {"application": application.pk, "enterprise": application.enterprise.name,
               "unit": application.enterprise.unit.name if application.enterprise.unit else "",
               "from_status": application.status}
        try:
            _perform(application, action, user, reason)
        except PermissionDenied:
            row.update(ok=False, message="无权办理此申报")
        except ApplicationError as error:
            row.update(ok=False, message=error.message + ("".join(f"{d}；" for d in error.details)
                                                            if error.details else ""))
        except Exception:  # anything unexpected is reported for this item; the rest still runs
            logger.exception("batch %s: %s on application %s failed", run.pk, action, application.pk)
            row.update(ok=False, message="系统错误，未办理；请稍后单独办理或联系管理员")
        else:
            row.update(ok=True, message=f"已{transition.label}")
        application.refresh_from_db(fields=["status"])
        row["to_status"] = application.status
        results.append(row)
    run.results = results
    run.succeeded = sum(1 for row in results if row["ok"])
    run.failed = len(results) - run.succeeded
    run.total = len(results)
    run.finished_at = timezone.now()
    run.save(update_fields=["results", "succeeded", "failed", "total", "finished_at"])
    return run


def lists_not_sent(call: Call) -> QuerySet[Organisation]:
    """Units (with at least one active officer) whose list for ``call`` has not been sent."""
    sent = RecommendationList.objects.filter(call=call, status=ListStatus.SENT).values("unit_id")
    return (Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS, is_active=True)
            .filter(Q(users__role=Role.TOWNSHIP) & Q(users__is_active=True))
            .exclude(pk__in=sent).distinct().order_by("kind", "name"))
