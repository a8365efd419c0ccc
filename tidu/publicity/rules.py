"""The rules of 公示 that change nothing: dates and periods, titles, candidates, what the public sees of an
entry, the objection window and attachment checks, what still blocks 认定.

Operations (``operations.py``) and pages read these; ``services`` re-exports them for its callers.
Business dates are judged with ``tidu.core.clock.now()`` (so a demo clock works); every function that
judges a date takes ``now`` for tests and demos.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone

from tidu.accounts.models import User
from tidu.applications.models import Application, ApplicationSection
from tidu.applications.sections import SECTIONS_BY_KEY, clean_section
from tidu.applications.workflow import State
from tidu.core.clock import business_today
from tidu.core.dates import date_zh_weekday
from tidu.core.hashing import canonical_json  # noqa: F401 - re-exported by services
from tidu.core.sizes import human_size
from tidu.core.timezones import BEIJING, start_of_day  # noqa: F401 - BEIJING re-exported by services
from tidu.core.uploads import UploadRules, check_upload
from tidu.core.workdays import (
    MAX_WORKING_DAYS,
    PRACTICE_WORKING_DAYS,
    CalendarError,
    counted_weekend_days,
    period_end,
    skipped_days,
)
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.publicity.errors import AttachmentRejected, PublicityError
from tidu.publicity.models import CalendarDay, Objection, Publicity, PublicityEntry

# Applications that may be put on a 公示: on-site verification done, or already proposed (e.g. by hand)
# but on no 公示 yet.
CANDIDATE_STATES = (State.ONSITE_VERIFIED, State.PROPOSED)
OBJECTION_MIN_CHARS = 20
OBJECTION_MAX_CHARS = 2000
# An objection may carry one PDF or picture, judged by its content (tidu.core.uploads is the one checker).
ATTACHMENT_RULES = UploadRules(types=("pdf", "png", "jpeg"), accepted="PDF 或图片（JPG、PNG）文件", noun="附件",
                               error=AttachmentRejected)
FINAL_FORMAT = "tidu.publicity-final/1"
FINAL_COLUMNS = (("position", "序号"), ("enterprise_name", "企业名称"), ("credit_code", "统一社会信用代码"),
                 ("project_name", "智能工厂（项目）名称"), ("unit_name", "所在乡镇（单位）"), ("tier_label", "认定等级"))


def objection_daily_limit() -> int:
    return int(getattr(settings, "TIDU_OBJECTION_DAILY_LIMIT", 3))


def attachment_max_bytes() -> int:
    return int(getattr(settings, "TIDU_OBJECTION_MAX_BYTES", 10 * 1024 * 1024))


# --- dates -----------------------------------------------------------------------------------------

date_text = date_zh_weekday  # 2026年4月3日（星期五）: the notice's form, written once in tidu.core.dates
size_text = human_size


def calendar_days(first: dt.date, last: dt.date) -> tuple[set[dt.date], set[dt.date]]:
    """The holidays and make-up working days the city entered inside [first, last] (``tidu.core.workdays``
    counts every app's working days with this, see PublicityConfig.ready)."""
    rows = list(CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind"))
    return ({day for day, kind in rows if kind == CalendarDay.Kind.HOLIDAY},
            {day for day, kind in rows if kind == CalendarDay.Kind.WORKDAY})


def compute_period(start: dt.date, working_days: int) -> tuple[dt.date, dict[str, list[str]]]:
    """End date of a period and the calendar days (holidays, make-up working days) that shaped it."""
    horizon = start + dt.timedelta(days=MAX_WORKING_DAYS * 3 + 60)
    holidays, workdays = calendar_days(start, horizon)
    try:
        end = period_end(start, working_days, holidays, workdays)
    except CalendarError as error:
        raise PublicityError(error.message) from None
    applied = {"holidays": [d.isoformat() for d in skipped_days(start, end, holidays, workdays)],
               "workdays": [d.isoformat() for d in counted_weekend_days(start, end, workdays)]}
    return end, applied



def default_title(call: Call) -> str:
    policy = call_policy_for(call)
    return f"{policy.call.content['region']['city']}{call.year}年度{policy.call_tier['name']}智能工厂拟认定名单公示"


def final_list_title(publicity: Publicity) -> str:
    policy = call_policy_for(publicity.call)
    return f"{policy.call.content['region']['city']}{publicity.call.year}年度{policy.call_tier['name']}智能工厂认定名单"


def default_contact_office(call: Call) -> str:
    content = call_policy_for(call).call.content
    return f"{content['issuer']}（{content['receiving_office'].removeprefix('市经信局')}）"


EDITABLE_FIELDS = ("title", "intro", "start_date", "working_days", "short_period_reason", "contact_office",
                   "contact_phone", "contact_email", "contact_address")


def check_fields(fields: dict) -> None:
    if not (fields.get("title") or "").strip():
        raise PublicityError("请填写公示标题")
    working_days = fields.get("working_days")
    if not isinstance(working_days, int) or not 1 <= working_days <= MAX_WORKING_DAYS:
        raise PublicityError(f"公示期应为 1 至 {MAX_WORKING_DAYS} 个工作日")
    if working_days < PRACTICE_WORKING_DAYS and not (fields.get("short_period_reason") or "").strip():
        raise PublicityError(f"公示期 {working_days} 个工作日，少于通常的 {PRACTICE_WORKING_DAYS} 个工作日："
                             "请填写缩短公示期的理由并确认")


def short_period(fields: dict) -> dict:
    """The reason is kept only for a period shorter than practice (a later change to 5 days clears it)."""
    working_days = fields.get("working_days")
    if isinstance(working_days, int) and working_days >= PRACTICE_WORKING_DAYS:
        fields["short_period_reason"] = ""
    elif "short_period_reason" in fields:
        fields["short_period_reason"] = (fields["short_period_reason"] or "").strip()
    return fields



def publicity_candidates(call: Call):
    """Applications of ``call`` that may be added to a 公示 (on no 公示 yet)."""
    return (Application.objects.filter(call=call, status__in=CANDIDATE_STATES, publicity_entry__isnull=True)
            .select_related("enterprise__organisation__parent").order_by("enterprise__name"))



def _project_names(application_ids) -> dict[int, str]:
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



def client_digest(address: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"objection-client:{address}".encode(), hashlib.sha256).hexdigest()


def objections_today_from(digest: str) -> int:
    start = start_of_day(business_today(timezone.now()))
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


def check_attachment(upload) -> tuple[str, str]:
    """Accept a PDF or image, judged by its content; return (content type, sha256)."""
    checked = check_upload(upload, ATTACHMENT_RULES, max_bytes=attachment_max_bytes())
    return checked.content_type, checked.sha256


def city_users():
    """Who is told about objections and closed notices: the active city officers (admin is not a business role)."""
    return User.objects.filter(role=User.Role.CITY, is_active=True)



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

