"""Demo expert pool (expert1..expert3 from accounts.demo), the call's rubric, and — when a demo application
has passed 形式审查 — an assignment with two scores in, so sealed scoring and live totals can be seen.

One expert declares a consulting relationship with a demo enterprise, so that enterprise's application shows the
conflict-of-interest exclusion on the assignment page. The profiles and that relation are demo data
(tidu/core/demo_data/seed_call.yaml, ``experts``).
"""

from tidu.accounts.models import User
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.demo import at, demo_data, moment
from tidu.enterprises.models import Enterprise
from tidu.experts import selectors, services
from tidu.experts.models import Assignment, ExpertProfile, ExpertRelation
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

_DATA = demo_data("seed_call")
CALL_CODE = _DATA["call"]
# username → profile; employers are deliberately unrelated to the demo enterprises
PROFILES = _DATA["experts"]["profiles"]
# (expert's username, the enterprise's credit code, kind of relation, note)
RELATION = tuple(_DATA["experts"]["relation"][key] for key in ("expert", "credit_code", "kind", "note"))
SCORES = ([10, 22, 15, 7, 8, 7], [10, 24, 14, 8, 7, 8])
COMMENTS = ("场景建设与生产作业结合紧密，数据采集覆盖主要设备；建议补充能耗数据。",
            "排产与质检场景成效明显，指标计算依据充分；后续计划可进一步细化。")


ASSIGNED_AT = moment(3, 23)  # after 形式审查 (20 March)
SCORED_AT = (moment(3, 30, 16), moment(4, 1, 11))


def load(out) -> list[tuple[str, str, str]]:
    with at(moment(1, 8)):  # the pool is built before the call opens
        return _load(out)


def _load(out) -> list[tuple[str, str, str]]:
    city = User.objects.filter(username="city").first()
    made = 0
    for username, data in PROFILES.items():
        user = User.objects.filter(username=username, role=User.Role.EXPERT).first()
        if user is None:
            continue
        _, created = ExpertProfile.objects.get_or_create(user=user, defaults=dict(data))
        made += created
    username, credit_code, kind, note = RELATION
    profile = ExpertProfile.objects.filter(user__username=username).first()
    enterprise = Enterprise.objects.filter(credit_code=credit_code).first()
    if profile and enterprise and city:
        services.relation_declare(user=city, profile=profile, enterprise=enterprise, kind=ExpertRelation.Kind(kind),
                                  note=note)
    call = Call.objects.filter(code=CALL_CODE).first()
    if call is None or city is None:
        out.write(f"专家库：{made} 位新入库\n")
        return []
    rubric = services.rubric_ensure(call, call_policy_for(call).call_tier["id"], city)
    assigned = 0
    for application in Application.objects.filter(call=call, status=State.FORMAL_PASSED).order_by("pk")[:1]:
        if application.expert_assignments.exists():
            continue
        eligible, _ = selectors.candidates(application, rubric)
        experts = [c.user for c in eligible][:rubric.experts_per_application]
        if not experts:
            continue
        with at(ASSIGNED_AT):
            made_assignments = services.assign_experts(application=application, user=city, experts=experts)
            services.leader_set(assignment=made_assignments[0], user=city)  # 专家组组长 writes the 专家组意见
        assigned += 1
        criteria = list(rubric.criteria.all())
        # Two scores in when three experts were assigned (one when only two could be): scores stay sealed.
        to_submit = list(Assignment.objects.filter(application=application).order_by("pk"))[:max(len(experts) - 1, 0)]
        for assignment, points, comments, when in zip(to_submit, SCORES, COMMENTS, SCORED_AT, strict=False):
            raw = {c.pk: str(min(p, int(c.max_points))) for c, p in zip(criteria, points, strict=False)}
            with at(when):
                services.score_save(assignment=assignment, user=assignment.expert, raw=raw, comments=comments,
                                    submit=True)
    out.write(f"专家库：{made} 位新入库；评分表：{rubric.title}；新选派专家的申报 {assigned} 份\n")
    return []
