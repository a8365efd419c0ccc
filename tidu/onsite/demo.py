"""Demo on-site check: when a demo application has finished expert review, open (or take) its check, assign
the city officer and expert1 as inspectors, and decide a few items (one of them 不符) so the checklist can
be seen. Safe to run more than once.
"""

from tidu.accounts.models import User
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.onsite import services
from tidu.onsite.models import CheckItem, OnsiteCheck

CALL_CODE = "tianmen-2026-basic"


def load(out) -> list[tuple[str, str, str]]:
    city = User.objects.filter(username="city", role=User.Role.CITY).first()
    if city is None:
        return []
    prepared = 0
    for application in Application.objects.filter(call__code=CALL_CODE, status=State.EXPERT_REVIEWED).order_by("pk")[:1]:
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
