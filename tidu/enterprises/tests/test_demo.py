import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from tidu.accounts import demo as accounts_demo
from tidu.accounts.models import Organisation, User
from tidu.core.demo import DEMO_PASSWORD
from tidu.enterprises import credit_code, industries
from tidu.enterprises import demo as enterprises_demo
from tidu.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def counts():
    return (Organisation.objects.count(), User.objects.count(), Enterprise.objects.count())


def test_loaders_are_idempotent_and_return_logins():
    out = io.StringIO()
    first = accounts_demo.load(out) + enterprises_demo.load(out)
    before = counts()
    second = accounts_demo.load(out) + enterprises_demo.load(out)
    assert counts() == before and first == second
    assert {username for _, username, _ in first} >= {
        "city", "yuekou", "kaifaqu", "expert1", "expert2", "expert3", "huachu"}
    assert all(password == DEMO_PASSWORD for _, _, password in first)


def test_load_demo_command_twice():
    call_command("load_demo", stdout=io.StringIO())
    before = counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == before
    assert "huachu" in out.getvalue() and "yuekou" in out.getvalue()


def test_demo_content():
    out = io.StringIO()
    accounts_demo.load(out)
    enterprises_demo.load(out)
    kinds = {kind for kind in Organisation.objects.filter(
        kind__in=Organisation.UNIT_KINDS).values_list("kind", flat=True)}
    assert kinds == set(Organisation.UNIT_KINDS)
    office = Organisation.objects.get(name="中小企业科")
    assert office.parent.name == "天门市经信局"
    assert User.objects.get(username="city").organisation == office
    assert User.objects.get(username="yuekou").organisation.name == "岳口镇"
    assert User.objects.get(username="kaifaqu").organisation.name == "天门经济开发区"
    assert User.objects.filter(role=User.Role.EXPERT).count() == 3

    enterprises = Enterprise.objects.all()
    assert 5 <= enterprises.count() <= 8
    assert all(credit_code.is_valid(e.credit_code) and industries.is_valid(e.industry_code) for e in enterprises)
    assert {e.unit.name for e in enterprises} == {"岳口镇", "天门经济开发区"}
    assert enterprises.filter(status=Enterprise.Status.PENDING).count() == 1
    huachu = Enterprise.objects.get(name="天门市华楚精密机械有限公司")
    assert User.objects.get(username="huachu").organisation == huachu.organisation
    assert enterprises.filter(industry_code__startswith="C27").exists()
    assert enterprises.filter(industry_code__startswith="C17").exists()
    assert enterprises.filter(industry_code__startswith="C32", legal_status=Enterprise.LegalStatus.BRANCH).exists()


def test_demo_logins_work(client):
    out = io.StringIO()
    accounts_demo.load(out)
    enterprises_demo.load(out)
    for username, landing in (("yuekou", reverse("review:township_dashboard")),
                              ("city", reverse("review:intake")),
                              ("expert1", reverse("experts:my_assignments"))):
        client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
        assert client.get(reverse("accounts:dashboard"))["Location"] == landing
        client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": "yuekou", "password": DEMO_PASSWORD})
    text = client.get(reverse("enterprises:unit_enterprises"))
    assert "天门市华楚精密机械有限公司" in text.content.decode()
