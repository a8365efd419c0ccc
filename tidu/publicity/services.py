"""Business rules of 公示 (public notice), objections (异议) and recognition (认定).

The city drafts a 公示 for a call and picks the applications whose on-site verification is done;
publishing moves each of them to 拟认定 (``application_transition`` "propose") and freezes what the
public sees. During the period (start date to end date inclusive, 北京时间) anyone may lodge an
objection on the public page. The city records the investigation and outcome of every objection; an
upheld objection lets it reject that entry ("reject"). After the end date, once every objection is
handled, finalising recognises every remaining entry ("recognise") and freezes the 认定名单 as a
JSON snapshot from which every export is built.

Business dates are judged with ``tidu.core.clock.now()`` (so a demo clock works); record timestamps
(published_at, handled_at …) use the real time. Every function takes ``now`` for tests and demos.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from pathlib import PurePath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tidu.accounts.models import User
from tidu.accounts.permissions import is_city_user
from tidu.applications.evidence import sniff_type
from tidu.applications.models import Application
from tidu.applications.sections import SECTIONS_BY_KEY, clean_section
from tidu.applications.services import ApplicationError, application_transition
from tidu.applications.workflow import State, state_label
from tidu.core import clock
from tidu.notifications.services import notify
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.publicity.models import CalendarDay, Objection, Publicity, PublicityEntry
from tidu.publicity.workdays import (
    MAX_WORKING_DAYS,
    CalendarError,
    counted_weekend_days,
    period_end,
    skipped_days,
)

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
# Applications that may be put on a 公示: on-site verification done, or already proposed (e.g. by hand)
# but on no 公示 yet.
CANDIDATE_STATES = (State.ONSITE_VERIFIED, State.PROPOSED)
OBJECTION_MIN_CHARS = 20
OBJECTION_MAX_CHARS = 2000
ATTACHMENT_TYPES = {"pdf": ((".pdf",), "application/pdf"), "png": ((".png",), "image/png"),
                    "jpeg": ((".jpg", ".jpeg"), "image/jpeg")}
FINAL_FORMAT = "tidu.publicity-final/1"
FINAL_COLUMNS = (("position", "序号"), ("enterprise_name", "企业名称"), ("credit_code", "统一社会信用代码"),
                 ("project_name", "智能工厂（项目）名称"), ("unit_name", "所在乡镇（单位）"), ("tier_label", "认定等级"))


class PublicityError(Exception):
    """A refused operation; ``message`` (and ``details``) are shown to the user as they are (Chinese)."""

    def __init__(self, message: str, details: list[str] | None = None):
        self.message = message
        self.details = details or []
        super().__init__(message)


class ObjectionClosed(PublicityError):
    pass


class ObjectionRateLimited(PublicityError):
    pass


class AttachmentRejected(PublicityError):
    pass


def objection_daily_limit() -> int:
    return int(getattr(settings, "TIDU_OBJECTION_DAILY_LIMIT", 3))


def attachment_max_bytes() -> int:
    return int(getattr(settings, "TIDU_OBJECTION_MAX_BYTES", 10 * 1024 * 1024))


# --- dates -----------------------------------------------------------------------------------------

def business_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or clock.now(), BEIJING).date()


def date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{'一二三四五六日'[day.weekday()]}）"


def compute_period(start: dt.date, working_days: int) -> tuple[dt.date, dict[str, list[str]]]:
    """End date of a period and the calendar days (holidays, make-up working days) that shaped it."""
    horizon = start + dt.timedelta(days=MAX_WORKING_DAYS * 3 + 60)
    rows = list(CalendarDay.objects.filter(date__gte=start, date__lte=horizon).values_list("date", "kind"))
    holidays = {day for day, kind in rows if kind == CalendarDay.Kind.HOLIDAY}
    workdays = {day for day, kind in rows if kind == CalendarDay.Kind.WORKDAY}
    try:
        end = period_end(start, working_days, holidays, workdays)
    except CalendarError as error:
        raise PublicityError(error.message) from None
    applied = {"holidays": [d.isoformat() for d in skipped_days(start, end, holidays, workdays)],
               "workdays": [d.isoformat() for d in counted_weekend_days(start, end, workdays)]}
    return end, applied


def _require_city(user) -> None:
    if not is_city_user(user):
        raise PermissionDenied("仅市经信局经办人可以办理公示与认定")


# --- the working-day calendar --------------------------------------------------------------------

def _recompute_draft_periods() -> None:
    """Drafts follow the calendar; a published notice keeps the period it was published with."""
    for publicity in Publicity.objects.filter(status=Publicity.Status.DRAFT):
        try:
            end, applied = compute_period(publicity.start_date, publicity.working_days)
        except PublicityError:
            continue
        if (end, applied) != (publicity.end_date, publicity.calendar_applied):
            publicity.end_date, publicity.calendar_applied = end, applied
            publicity.save(update_fields=["end_date", "calendar_applied"])


@transaction.atomic
def calendar_day_add(*, day: dt.date, kind: str, note: str, user) -> CalendarDay:
    _require_city(user)
    if kind not in CalendarDay.Kind.values:
        raise PublicityError("请选择类型")
    if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
        raise PublicityError(f"{date_text(day)}本来就是工作日，无需设为调休上班日")
    if kind == CalendarDay.Kind.HOLIDAY and day.weekday() >= 5:
        raise PublicityError(f"{date_text(day)}是周末，本来就不计工作日，无需设为节假日")
    try:
        with transaction.atomic():
            row = CalendarDay.objects.create(date=day, kind=kind, note=note.strip()[:100], created_by=user)
    except IntegrityError:
        raise PublicityError(f"{date_text(day)}已经设置过，如需修改请先删除原设置") from None
    _recompute_draft_periods()
    return row


@transaction.atomic
def calendar_day_delete(*, row: CalendarDay, user) -> None:
    _require_city(user)
    row.delete()
    _recompute_draft_periods()


# --- drafting a 公示 -------------------------------------------------------------------------------

def default_title(call: Call) -> str:
    policy = call_policy_for(call)
    return f"{policy.call.content['region']['city']}{call.year}年度{policy.call_tier['name']}智能工厂拟认定名单公示"


def final_list_title(publicity: Publicity) -> str:
    policy = call_policy_for(publicity.call)
    return f"{policy.call.content['region']['city']}{publicity.call.year}年度{policy.call_tier['name']}智能工厂认定名单"


def default_contact_office(call: Call) -> str:
    content = call_policy_for(call).call.content
    return f"{content['issuer']}（{content['receiving_office'].removeprefix('市经信局')}）"


_EDITABLE_FIELDS = ("title", "intro", "start_date", "working_days", "contact_office", "contact_phone",
                    "contact_email", "contact_address")


def _check_fields(fields: dict) -> None:
    if not (fields.get("title") or "").strip():
        raise PublicityError("请填写公示标题")
    working_days = fields.get("working_days")
    if not isinstance(working_days, int) or not 1 <= working_days <= MAX_WORKING_DAYS:
        raise PublicityError(f"公示期应为 1 至 {MAX_WORKING_DAYS} 个工作日")


@transaction.atomic
def publicity_create(*, call: Call, user, **fields) -> Publicity:
    _require_city(user)
    fields = {key: value for key, value in fields.items() if key in _EDITABLE_FIELDS}
    fields.setdefault("working_days", 5)
    _check_fields(fields)
    end, applied = compute_period(fields["start_date"], fields["working_days"])
    return Publicity.objects.create(call=call, created_by=user, end_date=end, calendar_applied=applied, **fields)


@transaction.atomic
def publicity_update(*, publicity: Publicity, user, **fields) -> Publicity:
    _require_city(user)
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    if publicity.status != Publicity.Status.DRAFT:
        raise PublicityError("公示已发布，不能再修改")
    for key, value in fields.items():
        if key in _EDITABLE_FIELDS:
            setattr(publicity, key, value)
    _check_fields({key: getattr(publicity, key) for key in _EDITABLE_FIELDS})
    publicity.end_date, publicity.calendar_applied = compute_period(publicity.start_date, publicity.working_days)
    publicity.save()
    return publicity


@transaction.atomic
def publicity_delete(*, publicity: Publicity, user) -> None:
    _require_city(user)
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    if publicity.status != Publicity.Status.DRAFT:
        raise PublicityError("已发布的公示不能删除")
    publicity.entries.all().delete()
    publicity.delete()


def publicity_candidates(call: Call):
    """Applications of ``call`` that may be added to a 公示 (on no 公示 yet)."""
    return (Application.objects.filter(call=call, status__in=CANDIDATE_STATES, publicity_entry__isnull=True)
            .select_related("enterprise__organisation__parent").order_by("enterprise__name"))


@transaction.atomic
def publicity_add_entries(*, publicity: Publicity, application_ids: list[int], user) -> list[PublicityEntry]:
    _require_city(user)
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    if publicity.status != Publicity.Status.DRAFT:
        raise PublicityError("公示已发布，名单不能再增加")
    wanted = set(application_ids)
    if not wanted:
        raise PublicityError("请至少选择一份申报")
    allowed = {a.pk: a for a in publicity_candidates(publicity.call).filter(pk__in=wanted)}
    refused = wanted - set(allowed)
    if refused:
        names = Application.objects.filter(pk__in=refused).values_list("enterprise__name", flat=True)
        raise PublicityError("以下申报不能列入本公示（不属于本批次、尚未完成现场核查，或已列入其他公示）：",
                             sorted(names) or [f"编号 {pk}" for pk in sorted(refused)])
    try:
        with transaction.atomic():
            return [PublicityEntry.objects.create(publicity=publicity, application=application)
                    for application in allowed.values()]
    except IntegrityError:
        raise PublicityError("所选申报已列入其他公示，请刷新页面后重试") from None


@transaction.atomic
def publicity_remove_entry(*, entry: PublicityEntry, user) -> None:
    _require_city(user)
    publicity = Publicity.objects.select_for_update().get(pk=entry.publicity_id)
    if publicity.status != Publicity.Status.DRAFT:
        raise PublicityError("公示已发布，名单不能再删减；如需不予认定，请通过异议处理办理")
    entry.delete()


def _project_names(application_ids) -> dict[int, str]:
    from tidu.applications.models import ApplicationSection

    spec = SECTIONS_BY_KEY["scope"]
    rows = ApplicationSection.objects.filter(application_id__in=application_ids, key="scope")
    return {row.application_id: clean_section(spec, row.data).values.get("project_name", "") for row in rows}


def entry_display(entries: list[PublicityEntry], call: Call) -> list[dict]:
    """What the public sees of each entry (frozen at publication; computed live for a draft)."""
    policy = call_policy_for(call)
    projects = _project_names([entry.application_id for entry in entries])
    rows = []
    for entry in entries:
        application = entry.application
        enterprise = application.enterprise
        tier = policy.find_tier(application.tier)
        unit = enterprise.organisation.parent
        rows.append({"entry": entry, "enterprise_name": enterprise.name, "credit_code": enterprise.credit_code,
                     "project_name": projects.get(application.pk, ""), "unit_name": unit.name if unit else "",
                     "tier_label": tier["name"] if tier else application.tier})
    return rows


@transaction.atomic
def publicity_publish(*, publicity: Publicity, user, now: dt.datetime | None = None) -> Publicity:
    """Publish: check everything, freeze the list and the period, and move every entry to 拟认定."""
    _require_city(user)
    publicity = Publicity.objects.select_for_update().select_related("call").get(pk=publicity.pk)
    if publicity.status != Publicity.Status.DRAFT:
        raise PublicityError("该公示已经发布")
    today = business_today(now)
    entries = list(publicity.entries.select_related("application__enterprise__organisation__parent")
                   .select_for_update(of=("self",)))
    problems = []
    if not entries:
        problems.append("公示名单为空，请先选择拟认定的申报")
    if publicity.start_date < today:
        problems.append(f"公示开始日期 {date_text(publicity.start_date)}已过，请改为今天或以后的日期")
    if not publicity.contact_phone.strip():
        problems.append("请填写受理异议的联系电话")
    for entry in entries:
        application = entry.application
        if application.call_id != publicity.call_id:
            problems.append(f"{application.enterprise.name}：不属于本批次")
        elif application.status not in CANDIDATE_STATES:
            problems.append(f"{application.enterprise.name}：当前状态为“{state_label(application.status)}”，"
                            "须为“现场核查完成，待认定”才能公示")
    if problems:
        raise PublicityError("暂不能发布：", problems)
    publicity.end_date, publicity.calendar_applied = compute_period(publicity.start_date, publicity.working_days)
    rows = sorted(entry_display(entries, publicity.call), key=lambda r: (r["unit_name"], r["enterprise_name"],
                                                                       r["entry"].pk))
    for position, row in enumerate(rows, start=1):
        entry = row["entry"]
        if entry.application.status == State.ONSITE_VERIFIED:
            try:
                application_transition(application=entry.application, action="propose", user=user)
            except ApplicationError as error:
                raise PublicityError(f"{row['enterprise_name']}：{error.message}") from None
        entry.position = position
        for key in ("enterprise_name", "credit_code", "project_name", "unit_name", "tier_label"):
            setattr(entry, key, row[key])
        entry.outcome = PublicityEntry.Outcome.PROPOSED
        entry.save()
    publicity.status = Publicity.Status.PUBLISHED
    publicity.published_by = user
    publicity.published_at = timezone.now()
    publicity.save()
    return publicity


def publicity_close_expired(*, now: dt.datetime | None = None) -> list[Publicity]:
    """Mark published notices whose period is over as closed and tell the city (for a daily job).

    Pages never rely on this: ``Publicity.phase`` judges open/closed from the dates themselves.
    """
    today = business_today(now)
    closed = []
    for publicity in Publicity.objects.filter(status=Publicity.Status.PUBLISHED, end_date__lt=today):
        with transaction.atomic():
            updated = Publicity.objects.filter(pk=publicity.pk, status=Publicity.Status.PUBLISHED).update(
                status=Publicity.Status.CLOSED)
            if not updated:
                continue
            pending = publicity.objections.filter(outcome="").count()
            body = f"“{publicity.title}”已于 {date_text(publicity.end_date)}公示期满。"
            body += f"尚有 {pending} 件异议待处理。" if pending else "异议均已处理，可以办理认定。"
            notify(_city_users(), kind="publicity.closed", title="公示期满", body=body,
                   link=reverse("publicity:manage_detail", args=[publicity.pk]),
                   dedupe_key=f"publicity-closed-{publicity.pk}")
            closed.append(publicity)
    return closed


# --- objections ------------------------------------------------------------------------------------

def client_digest(address: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"objection-client:{address}".encode(), hashlib.sha256).hexdigest()


def objections_today_from(digest: str) -> int:
    start = timezone.localtime(timezone.now(), BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
    return Objection.objects.filter(client_digest=digest, submitted_at__gte=start).count()


def objection_window_message(publicity: Publicity, today: dt.date) -> str | None:
    """Why objections cannot be lodged now, or None while the period runs."""
    phase = publicity.phase(today)
    if phase == "open":
        return None
    if phase == "upcoming":
        return f"公示将于 {date_text(publicity.start_date)}开始，届时方可提出异议。"
    if phase == "draft":
        return "该公示尚未发布。"
    return (f"公示期已于 {date_text(publicity.end_date)}24:00（北京时间）结束，不再受理异议。"
            f"如有问题，请联系{publicity.contact_office}（电话 {publicity.contact_phone}）。")


def size_text(size: int) -> str:
    """1024 → '1 KB', 1536 → '1.5 KB', 10485760 → '10 MB'."""
    value, unit = (size / 1048576, "MB") if size >= 1048576 else (size / 1024, "KB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def check_attachment(upload) -> tuple[str, str]:
    """Accept a PDF or image, judged by its content; return (content type, sha256)."""
    name = PurePath(upload.name or "").name
    limit = attachment_max_bytes()
    if upload.size == 0:
        raise AttachmentRejected(f"附件“{name}”是空文件")
    if upload.size > limit:
        raise AttachmentRejected(f"附件“{name}”大小为 {size_text(upload.size)}，超过 {size_text(limit)} 的上限")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff_type(head, upload)
    if kind not in ATTACHMENT_TYPES:
        raise AttachmentRejected(f"附件“{name}”的内容不是 PDF 或图片（JPG、PNG）文件")
    extensions, content_type = ATTACHMENT_TYPES[kind]
    if PurePath(name).suffix.lower() not in extensions:
        raise AttachmentRejected(f"附件“{name}”的扩展名与内容不符（内容为 {kind.upper()} 文件，应使用 "
                                 f"{'、'.join(extensions)} 扩展名）")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def _city_users():
    # The city only (accounts.permissions): 系统管理员 is not told about objections it may not open.
    return User.objects.filter(role=User.Role.CITY, is_active=True)


@transaction.atomic
def objection_submit(*, publicity: Publicity, entry: PublicityEntry, name: str, phone: str, email: str,
                     content: str, client_address: str, upload=None, now: dt.datetime | None = None) -> Objection:
    """Store an objection lodged on the public page and tell the city. Raises when closed or over the limit."""
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    closed = objection_window_message(publicity, business_today(now))
    if closed:
        raise ObjectionClosed(closed)
    if entry.publicity_id != publicity.pk:
        raise PublicityError("请选择本公示名单中的企业")
    name, phone, email, content = name.strip(), phone.strip(), email.strip(), content.strip()
    if not name or not (phone or email):
        raise PublicityError("请填写姓名（或单位名称），并至少留下电话或电子邮箱中的一种")
    if not OBJECTION_MIN_CHARS <= len(content) <= OBJECTION_MAX_CHARS:
        raise PublicityError(f"异议内容应为 {OBJECTION_MIN_CHARS}–{OBJECTION_MAX_CHARS} 字")
    digest = client_digest(client_address)
    limit = objection_daily_limit()
    if objections_today_from(digest) >= limit:
        raise ObjectionRateLimited(f"同一网络今日已提交 {limit} 件异议，达到每日上限，请明日再提交；"
                                   f"情况紧急的，请致电{publicity.contact_office}（{publicity.contact_phone}）。")
    objection = Objection(publicity=publicity, entry=entry, number=f"pending-{uuid.uuid4().hex[:22]}",
                          name=name[:100], phone=phone[:30], email=email[:254], content=content,
                          client_digest=digest)
    if upload is not None:
        content_type, sha256 = check_attachment(upload)
        objection.attachment_name = PurePath(upload.name).name[:255]
        objection.attachment_type = content_type
        objection.attachment_size = upload.size
        objection.attachment_sha256 = sha256
        objection.attachment.save("upload", upload, save=False)
    objection.save()
    objection.number = f"YY{timezone.localtime(objection.submitted_at, BEIJING):%Y}-{objection.pk:05d}"
    objection.save(update_fields=["number"])
    notify(_city_users(), kind="publicity.objection", title=f"收到异议 {objection.number}",
           body=f"“{publicity.title}”收到对第 {entry.position} 号（{entry.enterprise_name}）的异议，请调查核实并处理。",
           link=reverse("publicity:objection", args=[objection.pk]))
    return objection


@transaction.atomic
def objection_handle(*, objection: Objection, user, investigation: str, outcome: str, reply: str) -> Objection:
    """Record the investigation and outcome of an objection (once); e-mail the reply when an address was given."""
    _require_city(user)
    objection = Objection.objects.select_for_update().select_related("publicity", "entry").get(pk=objection.pk)
    if objection.publicity.status == Publicity.Status.FINALISED:
        raise PublicityError("已完成认定，异议不能再处理")
    if objection.is_handled:
        raise PublicityError(f"异议 {objection.number} 已于 "
                             f"{timezone.localtime(objection.handled_at, BEIJING):%Y-%m-%d %H:%M} 处理")
    if outcome not in Objection.Outcome.values:
        raise PublicityError("请选择处理结论（成立或不成立）")
    investigation, reply = investigation.strip(), reply.strip()
    if not investigation or not reply:
        raise PublicityError("请填写调查核实情况和答复意见")
    objection.investigation, objection.outcome, objection.reply = investigation, outcome, reply
    objection.handled_by, objection.handled_at = user, timezone.now()
    objection.save()
    if objection.email:
        subject = f"【{objection.publicity.contact_office}】关于异议 {objection.number} 的答复"
        text = (f"{objection.name}：\n\n您对“{objection.publicity.title}”第 {objection.entry.position} 号"
                f"（{objection.entry.enterprise_name}）提出的异议（编号 {objection.number}），经调查核实，"
                f"结论为：{objection.get_outcome_display()}。\n\n答复意见：{reply}\n\n"
                f"{objection.publicity.contact_office}　联系电话 {objection.publicity.contact_phone}")
        address = objection.email

        def send():
            try:
                send_mail(subject, text, None, [address])
            except Exception:  # a mail outage must not undo the recorded decision
                logger.exception("could not e-mail the reply to objection %s", objection.pk)

        transaction.on_commit(send)
    return objection


@transaction.atomic
def entry_reject(*, objection: Objection, user, reason: str) -> PublicityEntry:
    """Upon an upheld objection: 不予认定 for the entry it concerns (application_transition "reject")."""
    _require_city(user)
    objection = Objection.objects.select_related("publicity").get(pk=objection.pk)
    publicity = Publicity.objects.select_for_update().get(pk=objection.publicity_id)
    entry = PublicityEntry.objects.select_for_update().select_related("application").get(pk=objection.entry_id)
    if publicity.status not in (Publicity.Status.PUBLISHED, Publicity.Status.CLOSED):
        raise PublicityError("只有已发布、尚未认定的公示才能对条目作不予认定")
    if objection.outcome != Objection.Outcome.UPHELD:
        raise PublicityError("只有异议成立时，才能据此不予认定")
    if entry.outcome != PublicityEntry.Outcome.PROPOSED:
        raise PublicityError(f"第 {entry.position} 号当前为“{entry.get_outcome_display()}”，不能再作不予认定")
    reason = reason.strip()
    if not reason:
        raise PublicityError("请填写不予认定的理由")
    full_reason = f"公示期间异议成立（异议编号 {objection.number}）：{reason}"
    try:
        application_transition(application=entry.application, action="reject", user=user, reason=full_reason)
    except ApplicationError as error:
        raise PublicityError(error.message) from None
    entry.outcome = PublicityEntry.Outcome.REJECTED
    entry.decided_reason, entry.decided_by, entry.decided_at = full_reason, user, timezone.now()
    entry.save()
    return entry


# --- finalising ------------------------------------------------------------------------------------

def finalise_blockers(publicity: Publicity, now: dt.datetime | None = None) -> list[str]:
    """Everything that stops finalisation now, in Chinese; empty when it may go ahead."""
    problems = []
    if publicity.status == Publicity.Status.DRAFT:
        return ["公示尚未发布"]
    if publicity.status == Publicity.Status.FINALISED:
        return ["已完成认定"]
    today = business_today(now)
    if today <= publicity.end_date:
        problems.append(f"公示期至 {date_text(publicity.end_date)}结束，"
                        f"{date_text(publicity.end_date + dt.timedelta(days=1))}起方可认定")
    pending = list(publicity.objections.filter(outcome="").values_list("number", flat=True))
    if pending:
        problems.append(f"尚有 {len(pending)} 件异议未处理：{'、'.join(pending)}")
    return problems


def canonical_json(document) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@transaction.atomic
def publicity_finalise(*, publicity: Publicity, user, now: dt.datetime | None = None) -> Publicity:
    """Recognise every remaining entry and publish the 认定名单, frozen as a snapshot."""
    _require_city(user)
    publicity = Publicity.objects.select_for_update().select_related("call").get(pk=publicity.pk)
    problems = finalise_blockers(publicity, now)
    if problems:
        raise PublicityError("暂不能认定：", problems)
    today = business_today(now)
    recognised = []
    for entry in publicity.entries.select_related("application").order_by("position", "id"):
        if entry.outcome != PublicityEntry.Outcome.PROPOSED:
            continue
        application = entry.application
        if application.status == State.PROPOSED:
            try:
                application_transition(application=application, action="recognise", user=user)
            except ApplicationError as error:
                raise PublicityError(f"{entry.enterprise_name}：{error.message}") from None
        elif application.status == State.NOT_RECOGNISED:
            # Rejected elsewhere (not through an objection here): record it, leave it off the list.
            last = application.events.filter(to_status=State.NOT_RECOGNISED).last()
            entry.outcome = PublicityEntry.Outcome.REJECTED
            entry.decided_reason = last.reason if last else ""
            entry.decided_by, entry.decided_at = (last.actor, last.created_at) if last else (user, timezone.now())
            entry.save()
            continue
        elif application.status != State.RECOGNISED:
            raise PublicityError(f"{entry.enterprise_name}：当前状态为“{state_label(application.status)}”，不能认定")
        entry.outcome = PublicityEntry.Outcome.RECOGNISED
        entry.decided_by, entry.decided_at = user, timezone.now()
        entry.save()
        recognised.append(entry)
    finalised_at = timezone.now()
    snapshot = {
        "format": FINAL_FORMAT,
        "title": final_list_title(publicity),
        "issuer": call_policy_for(publicity.call).call.content["issuer"],
        "list_date": today.isoformat(),
        "finalised_at": finalised_at.isoformat(),
        "publicity": {"id": publicity.pk, "title": publicity.title, "call": publicity.call.code,
                      "call_title": publicity.call.title, "start_date": publicity.start_date.isoformat(),
                      "end_date": publicity.end_date.isoformat(), "working_days": publicity.working_days},
        "columns": [{"key": key, "label": label} for key, label in FINAL_COLUMNS],
        "entries": [{"position": number, "enterprise_name": entry.enterprise_name,
                     "credit_code": entry.credit_code, "project_name": entry.project_name,
                     "unit_name": entry.unit_name, "tier_label": entry.tier_label}
                    for number, entry in enumerate(recognised, start=1)],
    }
    publicity.final_snapshot = snapshot
    publicity.final_snapshot_sha256 = hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()
    publicity.status = Publicity.Status.FINALISED
    publicity.final_list_date = today
    publicity.finalised_by, publicity.finalised_at = user, finalised_at
    publicity.save()
    return publicity
