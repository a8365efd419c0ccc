"""Who must act after a change of state hears about it (connected in NotificationsConfig.ready).

applications.services already tells the enterprise about every reviewer decision (推荐, 退回补正, 形式审查 …);
here the other direction: what the enterprise does reaches the officers who must act next.
"""

from django.urls import reverse

from tidu.accounts.models import User
from tidu.applications.workflow import State
from tidu.notifications.services import notify


def _unit_officers(application):
    return User.objects.filter(role=User.Role.TOWNSHIP, organisation_id=application.enterprise.organisation.parent_id,
                               is_active=True)


def _city_officers():
    return User.objects.filter(role=User.Role.CITY, is_active=True)


def on_transition_done(sender, application, transition, user, event, **kwargs):
    name = application.enterprise.name
    review_link = reverse("applications:review", args=[application.pk])
    if transition.action == "submit":
        notify(_unit_officers(application), kind="application.submitted", title=f"新的申报待审核：{name}",
               body=f"{name}提交了“{application.call.title}”申报，请审核并决定是否推荐。", link=review_link)
    elif transition.action == "resubmit":
        if event.to_status == State.SUBMITTED:
            recipients, link = _unit_officers(application), review_link
        else:
            recipients, link = _city_officers(), reverse("review:formal_review", args=[application.pk])
        notify(recipients, kind="application.resubmitted", title=f"补正后重新提交：{name}",
               body=f"{name}已按退回意见修改并重新提交，请继续审核。", link=link)
    elif transition.action == "withdraw":
        notify(_unit_officers(application), kind="application.withdrawn", title=f"企业撤回申报：{name}",
               body=f"原因：{event.reason}" if event.reason else "", link=review_link)
