"""Demo enterprises of the seed call's story, each with its own login (password core.demo.DEMO_PASSWORD), read
from the demo data (tidu/core/demo_data/seed_call.yaml, ``enterprises``).

Credit codes are made up but well formed (GB 32100-2015 check character, and a GB 11714 check digit in the
organisation-code part); industry codes follow GB/T 4754-2017: the loader validates them as the site does.
"""

from tidu.accounts.demo import ensure_organisation, ensure_user, officer_of_unit, short_unit_name, unit
from tidu.accounts.models import Organisation, User
from tidu.core import clock
from tidu.core.demo import DEMO_PASSWORD, at, demo_data, moment
from tidu.enterprises import credit_code, industries
from tidu.enterprises.models import Enterprise

Status = Enterprise.Status
Legal = Enterprise.LegalStatus

_DATA = demo_data("seed_call")
# username, name, credit code, industry, legal status, unit, status, legal representative, contact, phone, address
ENTERPRISES = [
    (row["username"], row["name"], row["credit_code"], row["industry"], Legal(row["legal_status"]), row["unit"],
     Status(row["status"]), row["legal_representative"], row["contact"], row["phone"], row["address"])
    for row in _DATA["enterprises"]]
# The demo city (example data of the seed call, whose pack states the region).
DEMO_REGION = _DATA["region"]


def load(out) -> list[tuple[str, str, str]]:
    with at(moment(1, 12)):  # registered (and confirmed by the township) before the call opens
        return _load(out)


def _load(out) -> list[tuple[str, str, str]]:
    logins = []
    for (username, name, code, industry, legal_status, unit_name, status, representative, contact, phone,
         address) in ENTERPRISES:
        code = credit_code.validate(code)  # the demo data must pass the checks the site applies
        industry = industries.validate(industry)
        unit_node = unit(unit_name)
        organisation = ensure_organisation(name, Organisation.Kind.ENTERPRISE, unit_node)
        user = ensure_user(username, role=User.Role.ENTERPRISE, organisation=organisation, name=contact, phone=phone)
        confirmed = status == Status.CONFIRMED
        Enterprise.objects.get_or_create(credit_code=code, defaults={
            "organisation": organisation, "name": name, "registered_region": DEMO_REGION, "legal_status": legal_status, "industry_code": industry,
            "address": address, "legal_representative": representative, "contact_name": contact,
            "contact_phone": phone, "contact_email": user.email, "status": status,
            "confirmed_by": User.objects.get(username=officer_of_unit(unit_name)) if confirmed else None,
            "confirmed_at": clock.now() if confirmed else None})
        label = f"{short_unit_name(unit_name)}企业" + ("" if confirmed else "·待确认")
        logins.append((label, username, DEMO_PASSWORD))
    units = "、".join(dict.fromkeys(row[5] for row in ENTERPRISES))
    pending = sum(row[6] == Status.PENDING for row in ENTERPRISES)
    out.write(f"企业：{len(ENTERPRISES)} 家（{units}；其中 {pending} 家待乡镇确认）")
    return logins
