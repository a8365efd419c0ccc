"""Demo on-site check, left open for the inspectors' phone page: one enterprise's application (受理 by the review
demo; which one is demo data, tidu/core/demo_data/seed_call.yaml, ``onsite``) passes 形式审查 and expert review
(as steps of the city), its check is opened, the city officer and expert1 are assigned as inspectors, and a few items are decided (one of them 不符); the check is not completed.
Any other demo application that finished expert review gets the same. Safe to run more than once.
"""

from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.demo import at, demo_data, moment
from tidu.onsite import services
from tidu.onsite.models import CheckItem, OnsiteCheck

_DATA = demo_data("seed_call")
CALL_CODE = _DATA["call"]
OPEN_CHECK_FOR = _DATA["onsite"]["open_check_for"]  # the enterprise's name
# 形式审查 → 专家评审 → 专家评审完成, as the city's steps, then the check opened and the visit begun.
CITY_STEPS = (("formal_pass", moment(3, 20, 16)), ("expert_start", moment(3, 23, 11)),
              ("expert_complete", moment(4, 8, 15)))
OPENED_AT = moment(4, 13, 10)
VISITED_AT = moment(4, 16, 10)


def load(out) -> list[tuple[str, str, str]]:
    city = User.objects.filter(username="city", role=User.Role.CITY).first()
    if city is None:
        return []
    target = Application.objects.filter(call__code=CALL_CODE, enterprise__name=OPEN_CHECK_FOR,
                                        status=State.RECEIVED).first()
    if target is not None:
        for action, when in CITY_STEPS:
            with at(when):
                application_services.application_transition(application=target, action=action, user=city)
    prepared = 0
    for application in Application.objects.filter(call__code=CALL_CODE, status=State.EXPERT_REVIEWED).order_by("pk")[:1]:
        with at(OPENED_AT):
            check = services.check_open(application=application, user=city)  # the open one, if there is one
            if not check.inspectors.exists():
                inspectors = [city, *User.objects.filter(username="expert1", role=User.Role.EXPERT)]
                try:
                    services.inspectors_set(check=check, user=city, inspectors=inspectors)
                except services.OnsiteError:  # expert1 may have a conflict with this enterprise
                    services.inspectors_set(check=check, user=city, inspectors=[city])
        if check.items.exclude(result=CheckItem.Result.UNDECIDED).exists():
            continue
        items = list(check.items.order_by("order"))
        with at(VISITED_AT):
            for item in items[:3]:
                services.item_decide(item=item, user=city, result=CheckItem.Result.CONFIRMED, note="现场查看与申报一致")
            kpis = [item for item in items if item.kind == CheckItem.Kind.KPI]
            if kpis:
                services.item_decide(item=kpis[0], user=city, result=CheckItem.Result.MISMATCH,
                                     note="现场抽查生产报表，实际数值低于申报数，需企业说明统计口径")
        prepared += 1
    out.write(f"现场核查：进行中 {OnsiteCheck.objects.filter(status=OnsiteCheck.Status.OPEN).count()} 份"
              f"（本次填写示例 {prepared} 份）\n")
    return []
