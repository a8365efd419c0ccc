"""Who must act after a change of state hears about it (subscribed in NotificationsConfig.ready).

Every application move (``ApplicationTransitioned``, delivered through the outbox once it has committed):

* a reviewer's decision (推荐, 退回补正, 受理, 形式审查 …) and the enterprise's 撤回 → the enterprise's users;
* what the enterprise does (提交, 补正后重新提交, 撤回) → the officers who must act next.

The notices themselves go through ``notify`` (one more outbox event each), so a failure here or there is logged
and retried, never lost and never undoing the decision.
"""

from django.urls import reverse
from django.utils.translation import gettext_noop

from tidu.accounts.models import User
from tidu.applications.events import ApplicationTransitioned
from tidu.applications.models import Application
from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.applications.workflow import TRANSITIONS_BY_ACTION, State
from tidu.enterprises.events import EnterpriseRegistered
from tidu.enterprises.models import Enterprise
from tidu.notifications.messages import day, text, tr
from tidu.notifications.services import notify

ENTERPRISE_OWN = ("submit", "resubmit")
# 认定 / 不予认定: the enterprise is told by its outcome letter (tidu.decisions.letters), not by a second notice.
OUTCOME_LETTERS = ("recognise", "reject")


def _unit_officers(application):
    return User.objects.filter(role=User.Role.TOWNSHIP, organisation_id=application.enterprise.organisation.parent_id,
                               is_active=True)


def _city_officers():
    return User.objects.filter(role=User.Role.CITY, is_active=True)


def _notify_enterprise(application, event: ApplicationTransitioned) -> None:
    transition = TRANSITIONS_BY_ACTION[event.action]
    lines = [text(gettext_noop("您的申报“%(call)s”：%(action)s。"), call=application.call.title, action=tr(transition.label))]
    if event.reason:
        lines.append(text(gettext_noop("意见：%(reason)s"), reason=event.reason))
    lines.extend(text("· %(section)s：%(text)s", section=tr(SECTIONS_BY_KEY[key].title) if key in SECTIONS_BY_KEY
                      else key, text=reason) for key, reason in (event.section_reasons or {}).items())
    if transition.is_return and application.revision_due:
        lines.append(text(gettext_noop("请于%(due)s前完成补正并重新提交（含当日，北京时间24:00止）。"),
                          due=day(application.revision_due)))
    users = application.enterprise.organisation.users.filter(is_active=True)
    notify(users, kind=f"application.{event.action}", title=text(gettext_noop("申报%(action)s"), action=tr(transition.label)),
           body=lines, link=f"/applications/{application.pk}/status/")


def _notify_officers(application, event: ApplicationTransitioned) -> None:
    name = application.enterprise.name
    review_link = reverse("applications:review", args=[application.pk])
    if event.action == "submit":
        notify(_unit_officers(application), kind="application.submitted",
               title=text(gettext_noop("新的申报待审核：%(name)s"), name=name),
               body=text(gettext_noop("%(name)s提交了“%(call)s”申报，请审核并决定是否推荐。"), name=name,
                         call=application.call.title), link=review_link)
    elif event.action == "resubmit":
        if event.to_status == State.SUBMITTED:
            recipients, link = _unit_officers(application), review_link
        else:
            recipients, link = _city_officers(), reverse("review:formal_review", args=[application.pk])
        notify(recipients, kind="application.resubmitted", title=text(gettext_noop("补正后重新提交：%(name)s"), name=name),
               body=text(gettext_noop("%(name)s已按退回意见修改并重新提交，请继续审核。"), name=name), link=link)
    elif event.action == "withdraw":
        notify(_unit_officers(application), kind="application.withdrawn",
               title=text(gettext_noop("企业撤回申报：%(name)s"), name=name),
               body=text(gettext_noop("原因：%(reason)s"), reason=event.reason) if event.reason else "", link=review_link)


def on_application_transitioned(event: ApplicationTransitioned, event_id: int) -> None:
    application = (Application.objects.select_related("enterprise__organisation", "call")
                   .get(pk=event.application_id))
    if event.action not in ENTERPRISE_OWN + OUTCOME_LETTERS and event.action in TRANSITIONS_BY_ACTION:
        _notify_enterprise(application, event)
    _notify_officers(application, event)


def on_enterprise_registered(event: EnterpriseRegistered, event_id: int) -> None:
    """A new enterprise waits for its unit's confirmation: the unit's township officers are told where to act."""
    enterprise = Enterprise.objects.filter(pk=event.enterprise_id).first()
    if enterprise is None:
        return
    officers = User.objects.filter(role=User.Role.TOWNSHIP, organisation_id=event.unit_id, is_active=True)
    notify(officers, kind="enterprise.registered",
           title=text(gettext_noop("新企业登记待确认：%(name)s"), name=enterprise.name),
           body=text(gettext_noop("%(name)s（统一社会信用代码 %(code)s）已在本单位登记，确认后才能提交申报。请核实后确认或退回。"),
                     name=enterprise.name, code=enterprise.credit_code),
           link=reverse("enterprises:unit_enterprises") + "?status=pending", dedupe_key=f"enterprise.registered:{enterprise.pk}")
