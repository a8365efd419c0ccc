"""Small builders for tests: organisations and users of each role."""

from tidu.accounts.models import Organisation, User

PASSWORD = "Correct-Horse-42"


def make_unit(name="岳口镇", kind=Organisation.Kind.TOWNSHIP, **extra) -> Organisation:
    return Organisation.objects.create(name=name, kind=kind, **extra)


def make_city_office() -> Organisation:
    bureau = Organisation.objects.create(name="天门市经信局", kind=Organisation.Kind.CITY_BUREAU)
    return Organisation.objects.create(name="中小企业科", kind=Organisation.Kind.CITY_OFFICE, parent=bureau)


def make_user(username, role, organisation=None, *, password=PASSWORD, email=None, **extra) -> User:
    user = User(username=username, role=role, organisation=organisation,
                email=email if email is not None else f"{username}@example.com", **extra)
    user.set_password(password)
    user.save()
    return user
