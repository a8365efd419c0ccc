"""Business rules of the review side: invitations (广泛动员), the 推荐名单, city intake, 形式审查 and batch actions.

Every change of state is an operation (``tidu.review.operations`` for the 推荐名单 and 形式审查, the application's
own transitions for 受理); the functions here are the thin, stable entry points views, tests and the demo call:

* The 推荐名单 (附件5) is an object with its own lifecycle table (``tidu.review.workflow``). Only the unit's
  applications in 乡镇已推荐 can be on it, ranked by priority, each with a 推荐意见. Signing (签发) needs at least
  one entry and an opinion for each; it freezes the list, which is then sent (报送) to the city. All of this only
  before the township deadline (``call.township_deadline_before``, i.e. the whole last day, 北京时间).
  Afterwards only a city officer can reopen a signed or sent list (with a reason); the township may then change
  it and send it again, once per reopening. Every step writes one audit row and is notified.
* The city receives (受理) an application only once it is on its unit's sent list: a rule added to the
  application's own transition (``tidu.review.rules``), so no path around it exists.
* 形式审查 is a checklist pre-filled from the engine at the moment of review; the officer may change any item
  but must say why, and the decision is the application's transition (one audit row).
* Batch actions run over the whole filtered set as a job in chunks (``run_batch``), each item through the same
  operations, each chunk committing its items' results with their changes; a killed worker's batch resumes.

``now`` is injectable everywhere (tests, demo data); by default it is ``tidu.core.clock.now()``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from tidu.accounts.models import Organisation, User
from tidu.accounts.permissions import role_of
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.services import ApplicationError
from tidu.applications.workflow import TRANSITIONS_BY_ACTION
from tidu.core import clock
from tidu.core.errors import TiduError
from tidu.core.operations import operation
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.review import operations as ops
from tidu.review.errors import ListExists, NothingChanged, ReviewError
from tidu.review.formal import CONDITIONS, MATERIALS, CheckItem, formal_checklist  # noqa: F401 - public names
from tidu.review.models import (
    BatchItem,
    BatchRun,
    FormalReview,
    Invitation,
    RecommendationEntry,
    RecommendationList,
)
from tidu.review.operations import (  # noqa: F401 - the rules the pages and tests read, kept importable here
    OPINION_MAX,
    city_officers,
    is_officer_of,
    list_url,
    received_by_city,
    sign_blockers,
    township_officers,
)
from tidu.review.workflow import (  # noqa: F401 - as above
    day_text,
    deadline_passed,
    local_day,
    reopen_pending,
    township_blocker,
    township_may_change,
)

logger = logging.getLogger(__name__)
Role = User.Role
ListStatus = RecommendationList.Status
INVITATIONS_MAX = 100
# A refusal from any domain: the review's own and the application's (until ApplicationError is a TiduError too).
REFUSALS = (TiduError, ApplicationError)


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
        lines.append(f"· 企业申报时间：{day_text(policy.window_opens)} 至 {day_text(policy.window_closes)} 24:00（北京时间）")
        lines.append(f"· 乡镇（办事处、农场、开发区）推荐截止：{day_text(policy.township_deadline)} 24:00，"
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
        raise ReviewError(gettext("邀请未发送，请修改后重试："), problems)
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


# --- the 推荐名单 -------------------------------------------------------------------------------------------

def send_blocker(rlist: RecommendationList, now: dt.datetime | None = None) -> str | None:
    """Why a signed list cannot be sent (or unsigned) now; None when it can, or when it is not awaiting sending."""
    if rlist.status != ListStatus.SIGNED:
        return None
    return township_blocker(rlist, now or clock.now(), editing=False)


def list_for(*, call: Call, unit: Organisation, user) -> RecommendationList:
    """The unit's list for the call, created (as a draft) on first use by one of its officers."""
    if not is_officer_of(user, unit):
        raise PermissionDenied
    existing = RecommendationList.objects.filter(call=call, unit=unit).first()
    if existing is not None:
        return existing
    try:
        return ops.CreateList(unit, call=call).execute(user)
    except (ListExists, IntegrityError):  # another officer created it at the same moment
        return RecommendationList.objects.get(call=call, unit=unit)


def entries_add(*, rlist: RecommendationList, applications: Iterable[Application], user,
                now: dt.datetime | None = None) -> list[RecommendationEntry]:
    """Put applications at the end of the list, in the order given. All or nothing."""
    return ops.AddEntries(rlist, applications=list(applications), now=now).execute(user)


def entries_update(*, rlist: RecommendationList, order: list[int], opinions: dict[int, str], user,
                   now: dt.datetime | None = None) -> bool:
    """Store a new order (entry ids, first = priority 1) and opinions. Returns whether anything changed.

    With opinions it is one 修改顺序或意见 (edit); with none, a 调整顺序 (reorder).
    """
    step = ops.EditEntries if opinions else ops.ReorderEntries
    try:
        return step(rlist, order=list(order), opinions=opinions, now=now).execute(user)
    except NothingChanged:
        return False


def entry_remove(*, rlist: RecommendationList, entry_id: int, user, now: dt.datetime | None = None) -> None:
    ops.RemoveEntry(rlist, entry_id=entry_id, now=now).execute(user)


def list_sign(*, rlist: RecommendationList, user, now: dt.datetime | None = None) -> RecommendationList:
    """签发: check, freeze and snapshot the list."""
    return ops.SignList(rlist, now=now).execute(user)


def list_unsign(*, rlist: RecommendationList, user, now: dt.datetime | None = None) -> RecommendationList:
    """撤销签发 (before sending): the list becomes editable again."""
    return ops.UnsignList(rlist, now=now).execute(user)


def list_send(*, rlist: RecommendationList, user, now: dt.datetime | None = None) -> RecommendationList:
    """报送: send the signed list to the city."""
    return ops.SendList(rlist, now=now).execute(user)


def list_reopen(*, rlist: RecommendationList, user, reason: str, now: dt.datetime | None = None
                ) -> RecommendationList:
    """退回修改 by the city: the township may change the list and send it again (once)."""
    return ops.ReopenList(rlist, reason=reason, now=now).execute(user)


def withdraw_guard(application: Application, user, now: dt.datetime | None = None) -> None:
    """Before 撤回推荐: refused while the application is on a frozen list; otherwise it leaves the list too."""
    entry = (RecommendationEntry.objects.select_related("application__enterprise", "recommendation_list")
             .filter(application=application).first())
    if entry is None:
        return
    # Locked (inside the transition's transaction) so that a sign-off racing this withdrawal is seen.
    rlist = RecommendationList.objects.select_for_update().get(pk=entry.recommendation_list_id)
    if rlist.is_frozen:
        raise ApplicationError(gettext("该申报已列入%(get_status_display)s的推荐名单（第 %(priority)s 位），不能撤回推荐；如需调整，请先撤销签发，或联系市经信局退回名单") % {
                "get_status_display": rlist.get_status_display(), "priority": entry.priority})
    try:
        ops.RemoveEntry(rlist, entry_id=entry.pk, reason="撤回推荐", now=now).execute(user)
    except ReviewError as refusal:  # the signal's contract: refuse with ApplicationError
        raise ApplicationError(refusal.message, refusal.details) from refusal


# --- city intake ------------------------------------------------------------------------------------

def city_receive(*, application: Application, user):
    """受理 one application: the application's own transition, which obeys the sent-list rule (tidu.review.rules)."""
    return application_services.application_transition(application=application, action="city_receive", user=user)


# --- 形式审查 ---------------------------------------------------------------------------------------------

def formal_review_decide(*, application: Application, user, decision: str, checked: dict[str, bool] | None = None,
                         override_reasons: dict[str, str] | None = None, reason: str = "",
                         section_reasons: dict[str, str] | None = None, batch: bool = False,
                         now: dt.datetime | None = None, due_date: dt.date | None = None,
                         due_reason: str = "") -> FormalReview:
    """Record a 形式审查 and take its decision (形式审查通过 / 不通过 / 退回补正): ``operations.FormalReviewDecision``.

    ``checked`` maps item keys to the officer's ticks (None: take the engine's pre-fill as it is). An item that
    differs from the engine's pre-fill needs a reason in ``override_reasons``. 通过 needs every item ticked.
    """
    if decision not in FormalReview.Decision.values:
        raise ReviewError(gettext("未知的审查结论“%(decision)s”") % {"decision": decision})
    return ops.FormalReviewDecision(application, decision=decision, checked=checked,
                                    override_reasons=override_reasons, reason=reason,
                                    section_reasons=section_reasons, batch=batch, now=now, due_date=due_date,
                                    due_reason=due_reason).execute(user)


# --- ordering the list (pure) ------------------------------------------------------------------------

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


# --- batch actions ------------------------------------------------------------------------------------

# Batch actions offered at intake. The later steps (专家评审, 现场核查, 公示/认定) belong to their own domains with
# their own rules, and 退回补正 needs reasons per section: those are done one by one on their own pages.
BATCH_ACTIONS = ("city_receive", "formal_pass", "formal_fail")


def batch_actions_for(states: Iterable[str]):
    """The batch actions valid for a selection with these states (any item in a source state)."""
    states = set(states)
    return [TRANSITIONS_BY_ACTION[action] for action in BATCH_ACTIONS
            if states & set(TRANSITIONS_BY_ACTION[action].sources)]


def may_batch(user, action: str) -> bool:
    """The workflow table gives the user's role this action (the items are each checked again)."""
    transition = TRANSITIONS_BY_ACTION.get(action)
    return transition is not None and role_of(user) in transition.roles


def _item_operation(application: Application, action: str, reason: str):
    if action == "city_receive":
        return operation("application.city_receive", application)
    return ops.FormalReviewDecision(application, decision=action, reason=reason, batch=True)


def _refusal_text(error) -> str:
    return error.message + ("".join(f"{d}；" for d in error.details) if error.details else "")


def batch_run(*, applications: QuerySet[Application], action: str, user, reason: str = "",
              filters: dict | None = None, filters_text: str = "") -> BatchRun:
    """Record a batch of ``action`` on every application of the (already filtered) queryset and start its job.

    The run and one pending item per application are written at once (so the batch always has its record); the
    job (``tidu.review.tasks.run_batch_task``: inline in development, ``tidu db_worker`` in production) then does
    the items chunk by chunk (``run_batch``). Each item goes through the same operation as on its own; a
    refusal is recorded with its Chinese reason and the run goes on.
    """
    if action not in BATCH_ACTIONS:
        raise ReviewError(gettext("“%(action)s”不能批量办理") % {"action": action})
    if not may_batch(user, action):
        raise PermissionDenied
    transition = TRANSITIONS_BY_ACTION[action]
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ReviewError(gettext("“%(label)s”须填写意见（将用于全部申报）") % {"label": gettext(transition.label)})
    rows = (Application.objects.filter(pk__in=applications.order_by().values("pk"))
            .order_by("unit__name", "enterprise__name", "pk")
            .values_list("pk", "enterprise__name", "unit__name", "status"))
    with transaction.atomic():
        run = BatchRun.objects.create(action=action, action_label=transition.label, filters=filters or {},
                                      filters_text=filters_text[:500], reason=reason, actor=user)
        items = [BatchItem(run=run, position=index, application_id=pk, enterprise=enterprise or "",
                           unit=unit or "", from_status=status)
                 for index, (pk, enterprise, unit, status) in enumerate(rows.iterator(chunk_size=2000))]
        BatchItem.objects.bulk_create(items, batch_size=1000)
        run.total = len(items)
        if not items:
            run.finished_at = timezone.now()
        run.save(update_fields=["total", "finished_at"])
    if items:
        enqueue_batch(run)
        run.refresh_from_db()
    return run


def enqueue_batch(run: BatchRun) -> None:
    """Hand the run to the task worker (again, after a worker died: the job only does pending items)."""
    from tidu.review.tasks import run_batch_task

    run_batch_task.enqueue(run.pk)


def batch_chunk_size() -> int:
    return max(1, int(getattr(settings, "TIDU_BATCH_CHUNK_SIZE", 100)))


def run_batch(run_id: int, *, between_chunks=None) -> BatchRun:
    """Do the pending items of a run, chunk by chunk, until none is left; safe to run again or twice at once.

    Each chunk is one transaction: the run row is locked (a second worker waits, then finds those items done),
    the chunk's pending items are done through their operations and their results written, the counters
    moved on. A worker killed mid-chunk rolls the whole chunk back: every item is done with its result
    recorded, or untouched and still pending. ``between_chunks(run)`` is called after each committed chunk.
    """
    while True:
        with transaction.atomic():
            run = BatchRun.objects.select_for_update().select_related("actor").get(pk=run_id)
            if run.finished_at is not None:
                return run
            items = list(run.items.filter(ok=None).select_related("application").order_by("position")
                         [:batch_chunk_size()])
            if not items:
                run.finished_at = run.progressed_at = timezone.now()
                run.save(update_fields=["finished_at", "progressed_at"])
                return run
            for item in items:
                _do_item(run, item)
            BatchItem.objects.bulk_update(items, ["ok", "message", "from_status", "to_status", "done_at"])
            ok = sum(1 for item in items if item.ok)
            run.succeeded += ok
            run.failed += len(items) - ok
            run.progressed_at = timezone.now()
            run.save(update_fields=["succeeded", "failed", "progressed_at"])
        if between_chunks is not None:
            between_chunks(run)


def _do_item(run: BatchRun, item: BatchItem) -> None:
    application = item.application
    user = run.actor
    label = TRANSITIONS_BY_ACTION[run.action].label
    item.from_status = application.status
    step = _item_operation(application, run.action, run.reason)
    try:
        with transaction.atomic():  # a savepoint: a failed item leaves nothing behind, the chunk goes on
            verdict = step.check(user)
            if verdict.forbidden:
                raise PermissionDenied(verdict.reason)
            if not verdict:
                item.ok, item.message = False, verdict.reason
            else:
                step.execute(user)
                item.ok, item.message = True, f"已{label}"
    except PermissionDenied:
        item.ok, item.message = False, "无权办理此申报"
    except REFUSALS as error:
        item.ok, item.message = False, _refusal_text(error)
    except Exception:  # anything unexpected is reported for this item; the rest still runs
        logger.exception("batch %s: %s on application %s failed", run.pk, run.action, application.pk)
        item.ok, item.message = False, "系统错误，未办理；请稍后单独办理或联系管理员"
    # A refused or failed item changed nothing (its savepoint was rolled back): only a done one is read again.
    item.to_status = (Application.objects.filter(pk=application.pk).values_list("status", flat=True).first() or ""
                      if item.ok else item.from_status)
    item.done_at = timezone.now()


def stale_batches(*, older_than: dt.timedelta) -> QuerySet[BatchRun]:
    """Unfinished runs with no progress for ``older_than``: their worker died (or never picked them up)."""
    cutoff = timezone.now() - older_than
    return BatchRun.objects.filter(finished_at=None, total__gt=0).filter(
        Q(progressed_at__lt=cutoff) | Q(progressed_at=None, created_at__lt=cutoff))


def resume_stale_batches(*, older_than: dt.timedelta) -> list[int]:
    """Start the job again for every stalled run; returns their ids."""
    ids = list(stale_batches(older_than=older_than).values_list("pk", flat=True))
    for run in BatchRun.objects.filter(pk__in=ids):
        enqueue_batch(run)
    return ids


def lists_not_sent(call: Call) -> QuerySet[Organisation]:
    """Units (with at least one active officer) whose list for ``call`` has not been sent."""
    sent = RecommendationList.objects.filter(call=call, status=ListStatus.SENT).values("unit_id")
    return (Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS, is_active=True)
            .filter(Q(users__role=Role.TOWNSHIP) & Q(users__is_active=True))
            .exclude(pk__in=sent).distinct().order_by("kind", "name"))
