"""Demo enterprises under 岳口镇 and 天门经济开发区, each with its own login (password core.demo.DEMO_PASSWORD).

Credit codes are made up but well formed (GB 32100-2015 check character, and a GB 11714 check digit in the
organisation-code part); industry codes follow GB/T 4754-2017.
"""

from tidu.accounts.demo import ensure_organisation, ensure_user, unit
from tidu.accounts.models import Organisation, User
from tidu.core import clock
from tidu.core.demo import DEMO_PASSWORD, at, moment
from tidu.enterprises import credit_code, industries
from tidu.enterprises.models import Enterprise

Status = Enterprise.Status
Legal = Enterprise.LegalStatus

ENTERPRISES = [
    # username, name, credit code, industry, legal status, unit, status, legal representative, contact, phone
    ("huachu", "天门市华楚精密机械有限公司", "91429006MA48T2K61A", "C3484", Legal.LEGAL_PERSON, "岳口镇",
     Status.CONFIRMED, "胡建华", "刘洋", "13907281001", "岳口镇工业园楚天大道18号"),
    ("mianfang", "天门市岳口棉纺织有限公司", "91429006MA49C3H8X5", "C1711", Legal.LEGAL_PERSON, "岳口镇",
     Status.CONFIRMED, "杨文军", "彭丽", "13907281002", "岳口镇汉江路66号"),
    ("xinyuan", "天门市鑫源塑业有限公司", "91429006MA4D6N5U9U", "C2929", Legal.LEGAL_PERSON, "岳口镇",
     Status.PENDING, "程鑫", "程小雨", "0728-5221003", "岳口镇工业园振兴路9号"),
    ("chukang", "天门市楚康药业有限公司", "91429006MA4A7D1P8W", "C2720", Legal.LEGAL_PERSON, "天门经济开发区",
     Status.CONFIRMED, "王康", "吴倩", "13907281004", "天门经济开发区天仙路88号"),
    ("chulv", "湖北楚铝有色金属有限公司天门分公司", "91429006MA4B2M7R0X", "C3216", Legal.BRANCH, "天门经济开发区",
     Status.CONFIRMED, "邓铝", "邓思远", "13907281005", "天门经济开发区杭州路12号"),
    ("hengli", "天门市恒力电气设备有限公司", "91429006MA4F8Q2W7Q", "C3823", Legal.LEGAL_PERSON, "天门经济开发区",
     Status.CONFIRMED, "肖恒", "肖敏", "13907281006", "天门经济开发区东湖路31号"),
]
# The demo city (example data of the seed call, whose pack states the region).
DEMO_REGION = "湖北省天门市"
OFFICER_OF_UNIT = {"岳口镇": "yuekou", "天门经济开发区": "kaifaqu"}
SHORT_UNIT = {"岳口镇": "岳口镇", "天门经济开发区": "开发区"}


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
            "confirmed_by": User.objects.get(username=OFFICER_OF_UNIT[unit_name]) if confirmed else None,
            "confirmed_at": clock.now() if confirmed else None})
        label = f"{SHORT_UNIT[unit_name]}企业" + ("" if confirmed else "·待确认")
        logins.append((label, username, DEMO_PASSWORD))
    out.write(f"企业：{len(ENTERPRISES)} 家（岳口镇、天门经济开发区；其中 1 家待乡镇确认）")
    return logins
