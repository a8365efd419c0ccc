"""Demo of the second call, as example data: 青岛市2026年度先进级智能工厂申报（示例数据）
(tidu/policy/examples/call-qingdao-2026-advanced, written only from the reference notes; not a real notice and
never moved into the default packs). ``load_demo`` loads it beside the seed's packs, with its own unit (崂山区),
a township officer (``laoshan``) and two demo enterprises registered in 青岛市: one whose 先进级 application was
submitted inside the example window, one with a draft. The city officer ``city`` receives it once 崂山区 has
recommended it. Every step runs at the example call's story moments (window 5 January – 28 February 2026).
"""

from __future__ import annotations

from django.conf import settings

from tidu.accounts.demo import ensure_organisation, ensure_user
from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.testing import complete_section_data, fill_complete_application
from tidu.core import clock
from tidu.core.demo import DEMO_PASSWORD, at, moment
from tidu.enterprises import credit_code, industries
from tidu.enterprises.models import Enterprise
from tidu.policy.loader import DEFAULT_PACKS_DIR, PackLibrary, load_pack_file
from tidu.policy.models import Call
from tidu.policy.services import policy_load_library

EXAMPLE_DIR = DEFAULT_PACKS_DIR.parent / "examples"
CALL_CODE = "qingdao-2026-advanced"
REGION = "山东省青岛市"
UNIT = "崂山区（示例）"
OFFICER = ("laoshan", "王海燕")
# username, name, credit code (region 370212/370211), industry, contact, phone, what it holds
ENTERPRISES = [
    ("haiyue", "青岛海岳智能装备有限公司（示例）", "91370212MA3C10000P", "C3484", "于海岳", "13906390001", "submitted"),
    ("qdlanjing", "青岛蓝鲸精密电子有限公司（示例）", "91370211MA3D10000U", "C3989", "姜蓝", "13906390002", "draft"),
]
SUBMITTED_AT = moment(2, 10, 10, 30)
DRAFT_SECTIONS = ["basic", "conditions"]


def load_example_call() -> Call:
    """Load the example call pack beside the default library (the default packs must be in the same library:
    the call pins their taxonomy, tiers and KPI packs)."""
    library = PackLibrary([*PackLibrary.from_directory(settings.TIDU_POLICY_DIR),
                           *(load_pack_file(path) for path in sorted(EXAMPLE_DIR.glob("*/*.yaml")))])
    policy_load_library(library)
    return Call.objects.get(code=CALL_CODE)


def load(out) -> list[tuple[str, str, str]]:
    with at(moment(1, 2)):
        call = load_example_call()
        unit = ensure_organisation(UNIT, Organisation.Kind.SUBDISTRICT)
        officer = ensure_user(OFFICER[0], role=User.Role.TOWNSHIP, organisation=unit, name=OFFICER[1])
    logins = [("崂山区经办人·示例批次", OFFICER[0], DEMO_PASSWORD)]
    for username, name, code, industry, contact, phone, holds in ENTERPRISES:
        with at(moment(1, 6)):
            organisation = ensure_organisation(name, Organisation.Kind.ENTERPRISE, unit)
            user = ensure_user(username, role=User.Role.ENTERPRISE, organisation=organisation, name=contact,
                               phone=phone)
            enterprise, _ = Enterprise.objects.get_or_create(credit_code=credit_code.validate(code), defaults={
                "organisation": organisation, "name": name, "registered_region": REGION,
                "industry_code": industries.validate(industry), "legal_representative": contact,
                "contact_name": contact, "contact_phone": phone, "contact_email": user.email,
                "status": Enterprise.Status.CONFIRMED, "confirmed_by": officer, "confirmed_at": clock.now()})
        logins.append((f"青岛示例企业·{'已提交' if holds == 'submitted' else '草稿'}", username, DEMO_PASSWORD))
        if Application.objects.filter(enterprise=enterprise, call=call).exists():
            continue
        with at(moment(1, 20, 14)):
            application = application_services.application_start(enterprise=enterprise, call=call, tier="advanced",
                                                                 user=user)
            if holds == "draft":
                data = complete_section_data(application)
                for row in application.sections.filter(key__in=DRAFT_SECTIONS):
                    application_services.application_section_save(application=application, key=row.key,
                                                                  data=data[row.key], base_revision=row.revision,
                                                                  user=user)
                continue
            fill_complete_application(application, user)
        with at(SUBMITTED_AT):
            application_services.application_submit(application=application, user=user,
                                                    idempotency_key=f"demo-{username}", now=SUBMITTED_AT)
    out.write(f"示例批次：{call.title}（{UNIT}，企业 {len(ENTERPRISES)} 家：1 份已提交、1 份草稿）\n")
    return logins
