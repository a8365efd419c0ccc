"""Demo organisation tree for 天门市 and the officer and expert accounts (password core.demo.DEMO_PASSWORD)."""

from tidu.accounts.models import Organisation, User
from tidu.core.demo import DEMO_PASSWORD, at, moment

Kind = Organisation.Kind

CITY_BUREAU = "天门市经信局"
CITY_OFFICE = "中小企业科"
# Real units of 天门市 (a selection): 乡镇、街道办事处、农场、开发区.
UNITS = [
    (Kind.TOWNSHIP, "岳口镇"), (Kind.TOWNSHIP, "多宝镇"), (Kind.TOWNSHIP, "张港镇"), (Kind.TOWNSHIP, "渔薪镇"),
    (Kind.TOWNSHIP, "皂市镇"), (Kind.TOWNSHIP, "拖市镇"), (Kind.TOWNSHIP, "石家河镇"),
    (Kind.SUBDISTRICT, "竟陵街道办事处"), (Kind.SUBDISTRICT, "杨林街道办事处"), (Kind.SUBDISTRICT, "侨乡街道办事处"),
    (Kind.FARM, "蒋湖农场"), (Kind.FARM, "白茅湖农场"),
    (Kind.DEVELOPMENT_ZONE, "天门经济开发区"),
]
# (label printed by load_demo, username, role, organisation name or None, person's name)
OFFICERS = [
    ("市经信局经办人", "city", User.Role.CITY, CITY_OFFICE, "周敏"),
    ("岳口镇经办人", "yuekou", User.Role.TOWNSHIP, "岳口镇", "陈静"),
    ("开发区经办人", "kaifaqu", User.Role.TOWNSHIP, "天门经济开发区", "李强"),
    ("评审专家", "expert1", User.Role.EXPERT, None, "张卫东"),
    ("评审专家", "expert2", User.Role.EXPERT, None, "黄丽"),
    ("评审专家", "expert3", User.Role.EXPERT, None, "赵志刚"),
]


def ensure_organisation(name: str, kind: str, parent: Organisation | None = None) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(name=name, parent=parent, defaults={"kind": kind})
    return organisation


def ensure_user(username: str, *, role: str, organisation: Organisation | None, name: str, phone: str = "") -> User:
    """Create the demo user once; a second run leaves it (and any password it was given) alone."""
    user, created = User.objects.get_or_create(username=username, defaults={
        "role": role, "organisation": organisation, "first_name": name, "phone": phone,
        "email": f"{username}@tidu.example"})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def unit(name: str) -> Organisation:
    return Organisation.objects.get(name=name, kind__in=Organisation.UNIT_KINDS)


def load(out) -> list[tuple[str, str, str]]:
    with at(moment(1, 5)):  # the units and officers exist before the call opens (22 January)
        return _load(out)


def _load(out) -> list[tuple[str, str, str]]:
    bureau = ensure_organisation(CITY_BUREAU, Kind.CITY_BUREAU)
    office = ensure_organisation(CITY_OFFICE, Kind.CITY_OFFICE, bureau)
    for kind, name in UNITS:
        ensure_organisation(name, kind)
    logins = []
    for label, username, role, organisation_name, person in OFFICERS:
        if organisation_name == CITY_OFFICE:
            organisation = office
        else:
            organisation = unit(organisation_name) if organisation_name else None
        ensure_user(username, role=role, organisation=organisation, name=person)
        logins.append((label, username, DEMO_PASSWORD))
    out.write(f"组织：{CITY_BUREAU}（{CITY_OFFICE}）及 {len(UNITS)} 个乡镇、办事处、农场、开发区")
    return logins
