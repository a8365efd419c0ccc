"""Demo organisation tree of the seed call's city and the officer and expert accounts (password
core.demo.DEMO_PASSWORD), read from the demo data (tidu/core/demo_data/seed_call.yaml, ``accounts``)."""

from tidu.accounts.models import Organisation, User
from tidu.core.demo import DEMO_PASSWORD, at, demo_data, moment

Kind = Organisation.Kind

_DATA = demo_data("seed_call")["accounts"]
CITY_BUREAU = _DATA["city_bureau"]
CITY_OFFICE = _DATA["city_office"]
# The city's units (乡镇、街道办事处、农场、开发区): (kind, name)
UNITS = [(Kind(row["kind"]), row["name"]) for row in _DATA["units"]]
# (label printed by load_demo, username, role, organisation name or None, person's name)
OFFICERS = [(row["label"], row["username"], User.Role(row["role"]), row["organisation"], row["name"])
            for row in _DATA["officers"]]


def short_unit_name(name: str) -> str:
    """The unit's name as login labels show it (the data's ``short``, else its name)."""
    return next((row.get("short", name) for row in _DATA["units"] if row["name"] == name), name)


def officer_of_unit(name: str) -> str:
    """The username of the unit's (first) township officer in the demo data."""
    return next(username for _label, username, role, organisation, _person in OFFICERS
                if role == User.Role.TOWNSHIP and organisation == name)


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
