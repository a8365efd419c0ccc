"""Demo of the second call, as example data: the example call pack in tidu/policy/examples/ (written only from the
reference notes; not a real notice and never moved into the default packs). ``load_demo`` loads it beside the
seed's packs, with its own unit, a township officer and two demo enterprises registered in the example city: one
whose application was submitted inside the example window, one with a draft. The city officer ``city`` receives
it once the unit has recommended it. Every step runs at the example call's story moments (window 5 January –
28 February 2026). The call, unit, officer and enterprises are demo data (tidu/core/demo_data/example_call.yaml).
"""

from __future__ import annotations

from django.conf import settings

from tidu.accounts.demo import ensure_organisation, ensure_user
from tidu.accounts.models import Organisation, User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.testing import complete_section_data, fill_complete_application
from tidu.core import clock
from tidu.core.demo import DEMO_PASSWORD, at, demo_data, moment
from tidu.enterprises import credit_code, industries
from tidu.enterprises.models import Enterprise
from tidu.policy.loader import DEFAULT_PACKS_DIR, PackLibrary, load_pack_file
from tidu.policy.models import Call
from tidu.policy.services import policy_load_library

EXAMPLE_DIR = DEFAULT_PACKS_DIR.parent / "examples"
_DATA = demo_data("example_call")
CALL_CODE = _DATA["call"]
TIER = _DATA["tier"]
REGION = _DATA["region"]
UNIT = _DATA["unit"]
OFFICER = (_DATA["officer"]["username"], _DATA["officer"]["name"])
# username, name, credit code, industry, contact, phone, what it holds (submitted or draft), login label
ENTERPRISES = [tuple(row[key] for key in ("username", "name", "credit_code", "industry", "contact", "phone", "holds",
                                          "label"))
               for row in _DATA["enterprises"]]
SUBMITTED_AT = moment(2, 10, 10, 30)
DRAFT_SECTIONS = _DATA["draft_sections"]


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
    logins = [(_DATA["officer"]["label"], OFFICER[0], DEMO_PASSWORD)]
    for username, name, code, industry, contact, phone, holds, label in ENTERPRISES:
        with at(moment(1, 6)):
            organisation = ensure_organisation(name, Organisation.Kind.ENTERPRISE, unit)
            user = ensure_user(username, role=User.Role.ENTERPRISE, organisation=organisation, name=contact,
                               phone=phone)
            enterprise, _ = Enterprise.objects.get_or_create(credit_code=credit_code.validate(code), defaults={
                "organisation": organisation, "name": name, "registered_region": REGION,
                "industry_code": industries.validate(industry), "legal_representative": contact,
                "contact_name": contact, "contact_phone": phone, "contact_email": user.email,
                "status": Enterprise.Status.CONFIRMED, "confirmed_by": officer, "confirmed_at": clock.now()})
        logins.append((label, username, DEMO_PASSWORD))
        if Application.objects.filter(enterprise=enterprise, call=call).exists():
            continue
        with at(moment(1, 20, 14)):
            application = application_services.application_start(enterprise=enterprise, call=call, tier=TIER,
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
    submitted = sum(row[6] == "submitted" for row in ENTERPRISES)
    out.write(f"示例批次：{call.title}（{UNIT}，企业 {len(ENTERPRISES)} 家：{submitted} 份已提交、"
              f"{len(ENTERPRISES) - submitted} 份草稿）\n")
    return logins
