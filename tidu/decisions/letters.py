"""Per-outcome letters (认定 / 不予认定) to the enterprise, with the recorded reasons.

When an application is recognised or not recognised (the application's ``recognise`` / ``reject`` transitions,
announced as ``ApplicationTransitioned``), its enterprise's users get the letter in-app and by e-mail through the
notifications outbox (``notify``), once: the dedupe key is the application and the outcome. The letter itself
is a PDF (Typst) the enterprise downloads from its status page; it is built from the record every time (the
transition's audit row for the date and the 不予认定 reason, the latest 评审结论 for the review's reasons).
"""

from __future__ import annotations

import dataclasses

from django.urls import reverse
from django.utils.translation import gettext_noop

from tidu.accounts import permissions as accounts
from tidu.applications.events import ApplicationTransitioned
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.dates import date_zh
from tidu.core.timezones import local_time
from tidu.decisions.models import ReviewConclusion
from tidu.documents.typst_engine import compile_pdf
from tidu.notifications.messages import day, in_chinese, text
from tidu.notifications.services import notify
from tidu.policy.selectors import call_policy_for

LETTER_ACTIONS = {"recognise": State.RECOGNISED, "reject": State.NOT_RECOGNISED}


@dataclasses.dataclass(frozen=True)
class OutcomeLetter:
    application: Application
    recognised: bool
    title: str
    issuer: str
    date: str
    enterprise_name: str
    credit_code: str
    project_name: str
    tier_name: str
    reject_reason: str
    review_reasons: str
    decided_on: str = ""  # the decision's date (ISO, 北京时间), for the notice to show in the reader's language

    @property
    def sentences(self) -> list[dict]:
        """The letter's paragraphs as source sentences (``messages.text``): the in-app notice shows them in the
        reader's language; the call title, the tier's name (a policy term) and the recorded reasons as written."""
        call_title = self.application.call.title
        if self.recognised:
            return [text(gettext_noop("你单位申报的“%(call)s”，经企业申报、乡镇审核推荐、形式审查、专家评审、现场核查和公示，"
                                      "公示期满无异议（或异议不成立），现认定你单位为%(tier)s智能工厂。"),
                         call=call_title, tier=self.tier_name),
                    text(gettext_noop("请继续加强智能化改造和数字化转型，按要求报送相关数据，接受跟踪评价。"))]
        lines = [text(gettext_noop("你单位申报的“%(call)s”，经审核，决定不予认定。"), call=call_title)]
        if self.reject_reason:
            lines.append(text(gettext_noop("不予认定的理由：%(reason)s"), reason=self.reject_reason))
        if self.review_reasons and self.review_reasons != self.reject_reason:
            lines.append(text(gettext_noop("评审结论意见：%(reasons)s"), reasons=self.review_reasons))
        lines.append(text(gettext_noop("如对结果有异议，可向市经信局咨询。")))
        return lines

    @property
    def paragraphs(self) -> list[str]:
        """The letter's paragraphs in Chinese (the PDF)."""
        return [in_chinese(sentence) for sentence in self.sentences]


def letter_for(application: Application) -> OutcomeLetter | None:
    """The letter of a recognised or not-recognised application; None in any other state."""
    if application.status not in LETTER_ACTIONS.values():
        return None
    recognised = application.status == State.RECOGNISED
    event = application.events.filter(to_status=application.status).last()
    policy = call_policy_for(application.call)
    found = policy.find_tier(application.tier)
    entry = getattr(application, "publicity_entry", None)
    conclusion = (ReviewConclusion.objects.filter(application=application).order_by("-recorded_at", "-id").first())
    return OutcomeLetter(
        application=application, recognised=recognised,
        title="智能工厂认定通知书" if recognised else "智能工厂不予认定通知书",
        issuer=policy.call.content["issuer"], date=date_zh(event.created_at if event else None),
        decided_on=local_time(event.created_at).date().isoformat() if event else "",
        enterprise_name=application.enterprise.name, credit_code=application.enterprise.credit_code,
        project_name=entry.project_name if entry else "",
        tier_name=(entry.tier_label if entry and entry.tier_label else (found["name"] if found else application.tier)),
        reject_reason="" if recognised else (event.reason if event else ""),
        review_reasons=conclusion.reasons if conclusion and not recognised else "")


def letter_pdf(letter: OutcomeLetter) -> bytes:
    return compile_pdf("outcome_letter.typ", {
        "title": letter.title, "issuer": letter.issuer, "date": letter.date,
        "enterprise_name": letter.enterprise_name, "credit_code": letter.credit_code,
        "project_name": letter.project_name, "paragraphs": letter.paragraphs})


def letter_filename(letter: OutcomeLetter) -> str:
    return f"{letter.enterprise_name}-{letter.title}.pdf"


def can_view_letter(user, application: Application) -> bool:
    """The letter is the enterprise's: its own users, and the city that issues it."""
    if accounts.is_city_user(user):
        return True
    return bool(user.is_authenticated and user.organisation_id
                and user.organisation_id == application.enterprise.organisation_id)


def letters_visible_to(user, applications):
    """The applications (of ``applications``) whose letter ``user`` may download."""
    if accounts.is_city_user(user):
        return applications
    if not user.is_authenticated or not user.organisation_id:
        return applications.none()
    return applications.filter(enterprise__organisation_id=user.organisation_id)


def on_application_transitioned(event: ApplicationTransitioned, event_id: int) -> None:
    """Send the outcome letter once (per application and outcome) when 认定 / 不予认定 is recorded."""
    if event.action not in LETTER_ACTIONS:
        return
    application = Application.objects.select_related("enterprise__organisation", "call").get(pk=event.application_id)
    letter = letter_for(application)
    if letter is None:  # moved on since (cannot happen today: both states are final)
        return
    users = application.enterprise.organisation.users.filter(is_active=True)
    body = [text("%(name)s：", name=letter.enterprise_name), *letter.sentences,
            text(gettext_noop("%(issuer)s　%(date)s"), issuer=letter.issuer,
                 date=day(letter.decided_on) if letter.decided_on else letter.date),
            text(gettext_noop("通知书（PDF）可在申报状态页下载。"))]
    title = text(gettext_noop("智能工厂认定通知书") if letter.recognised else gettext_noop("智能工厂不予认定通知书"))
    notify(users, kind=f"application.letter.{event.action}", title=title, body=body,
           link=reverse("decisions:letter", args=[application.pk]),
           dedupe_key=f"outcome_letter:{application.pk}:{application.status}")
