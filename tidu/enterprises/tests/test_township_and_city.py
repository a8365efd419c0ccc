import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tidu.accounts.models import Organisation, User
from tidu.accounts.tests.factories import make_city_office, make_unit, make_user
from tidu.enterprises import services
from tidu.enterprises.models import Enterprise
from tidu.enterprises.tests.factories import make_enterprise

pytestmark = pytest.mark.django_db
Status = Enterprise.Status


@pytest.fixture
def world():
    yuekou = make_unit("岳口镇")
    zone = make_unit("天门经济开发区", Organisation.Kind.DEVELOPMENT_ZONE)
    return {
        "yuekou": yuekou, "zone": zone,
        "yuekou_officer": make_user("yuekou", User.Role.TOWNSHIP, yuekou, first_name="陈静"),
        "zone_officer": make_user("kaifaqu", User.Role.TOWNSHIP, zone),
        "city": make_user("city", User.Role.CITY, make_city_office()),
        "expert": make_user("expert1", User.Role.EXPERT),
        "a": make_enterprise(yuekou, "岳口甲公司", username="a"),
        "b": make_enterprise(yuekou, "岳口乙公司", username="b", status=Status.CONFIRMED),
        "z": make_enterprise(zone, "开发区丙公司", username="z"),
    }


def login(client, world, who):
    user = world[who] if isinstance(world[who], User) else User.objects.get(username=who)
    client.force_login(user)
    return user


def test_unit_list_shows_only_its_enterprises_with_actions(client, world):
    login(client, world, "yuekou_officer")
    text = client.get(reverse("enterprises:unit_enterprises")).content.decode()
    assert "岳口甲公司" in text and "岳口乙公司" in text and "开发区丙公司" not in text
    assert reverse("enterprises:enterprise_confirm", args=[world["a"].pk]) in text
    assert reverse("enterprises:enterprise_reject", args=[world["a"].pk]) in text
    assert reverse("enterprises:enterprise_reject", args=[world["b"].pk]) not in text  # already confirmed
    assert "待乡镇确认 1" in text and "已确认 1" in text


def test_unit_list_filter_by_status(client, world):
    login(client, world, "yuekou_officer")
    text = client.get(reverse("enterprises:unit_enterprises"), {"status": "pending"}).content.decode()
    assert "岳口甲公司" in text and "岳口乙公司" not in text


def test_confirm_flow(client, world):
    officer = login(client, world, "yuekou_officer")
    url = reverse("enterprises:enterprise_confirm", args=[world["a"].pk])
    response = client.post(url, {"next": reverse("enterprises:unit_enterprises")})
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:unit_enterprises")
    a = Enterprise.objects.get(pk=world["a"].pk)
    assert a.status == Status.CONFIRMED and a.confirmed_by == officer and a.confirmed_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [a.contact_email]
    assert "已确认" in mail.outbox[0].subject and "岳口镇已确认" in mail.outbox[0].body
    assert "已确认“岳口甲公司”" in client.get(response["Location"]).content.decode()


def test_confirm_needs_post(client, world):
    login(client, world, "yuekou_officer")
    assert client.get(reverse("enterprises:enterprise_confirm", args=[world["a"].pk])).status_code == 405


def test_confirm_twice_is_refused_politely(client, world):
    login(client, world, "yuekou_officer")
    response = client.post(reverse("enterprises:enterprise_confirm", args=[world["b"].pk]), follow=True)
    assert "该企业已经确认" in response.content.decode()
    assert mail.outbox == []


def test_reject_flow_with_reason(client, world):
    officer = login(client, world, "yuekou_officer")
    response = client.post(reverse("enterprises:enterprise_reject", args=[world["a"].pk]),
                           {"reason": "经核实，该企业注册地不在本镇", "next": reverse("enterprises:unit_enterprises")})
    assert response.status_code == 302
    a = Enterprise.objects.get(pk=world["a"].pk)
    assert a.status == Status.REJECTED and a.status_note == "经核实，该企业注册地不在本镇" and a.confirmed_by == officer
    assert len(mail.outbox) == 1
    assert "未通过确认" in mail.outbox[0].subject and "经核实，该企业注册地不在本镇" in mail.outbox[0].body

    # a rejected enterprise may later be confirmed (e.g. after the facts are cleared up), not rejected again
    detail = client.get(reverse("enterprises:enterprise_detail", args=[a.pk])).content.decode()
    assert reverse("enterprises:enterprise_confirm", args=[a.pk]) in detail
    assert reverse("enterprises:enterprise_reject", args=[a.pk]) not in detail
    client.post(reverse("enterprises:enterprise_confirm", args=[a.pk]))
    a.refresh_from_db()
    assert a.status == Status.CONFIRMED and a.status_note == ""


def test_reject_without_reason_is_refused(client, world):
    login(client, world, "yuekou_officer")
    response = client.post(reverse("enterprises:enterprise_reject", args=[world["a"].pk]), {"reason": "  "})
    assert response.status_code == 400
    assert "请填写不予确认的理由" in response.content.decode()
    assert Enterprise.objects.get(pk=world["a"].pk).status == Status.PENDING
    assert mail.outbox == []


def test_reject_a_confirmed_enterprise_is_refused(client, world):
    login(client, world, "yuekou_officer")
    response = client.post(reverse("enterprises:enterprise_reject", args=[world["b"].pk]), {"reason": "x"},
                           follow=True)
    assert "只有“待乡镇确认”的企业可以退回" in response.content.decode()
    assert Enterprise.objects.get(pk=world["b"].pk).status == Status.CONFIRMED


def test_other_township_gets_404_and_cannot_decide(client, world):
    login(client, world, "zone_officer")
    a = world["a"]
    assert client.get(reverse("enterprises:enterprise_detail", args=[a.pk])).status_code == 404
    assert client.post(reverse("enterprises:enterprise_confirm", args=[a.pk])).status_code == 404
    assert client.post(reverse("enterprises:enterprise_reject", args=[a.pk]), {"reason": "x"}).status_code == 404
    assert Enterprise.objects.get(pk=a.pk).status == Status.PENDING
    assert mail.outbox == []


def test_services_refuse_other_units_and_roles(world):
    a = world["a"]
    for who in ("zone_officer", "city", "expert"):
        with pytest.raises(PermissionDenied):
            services.enterprise_confirm(a, world[who])
        with pytest.raises(PermissionDenied):
            services.enterprise_reject(a, world[who], "理由")
    with pytest.raises(PermissionDenied):
        services.enterprise_confirm(a, User.objects.get(username="a"))
    with pytest.raises(ValidationError):
        services.enterprise_reject(a, world["yuekou_officer"], "")
    assert Enterprise.objects.get(pk=a.pk).status == Status.PENDING


def test_decision_mail_falls_back_to_the_account_email(world):
    a = world["a"]
    Enterprise.objects.filter(pk=a.pk).update(contact_email="")
    a.refresh_from_db()
    services.enterprise_confirm(a, world["yuekou_officer"])
    assert mail.outbox[0].to == ["a@example.com"]


@pytest.mark.parametrize("who", ["a", "expert"])
def test_non_township_users_get_403_on_unit_pages(client, world, who):
    login(client, world, who)
    assert client.get(reverse("enterprises:unit_enterprises")).status_code == 403
    assert client.post(reverse("enterprises:enterprise_confirm", args=[world["a"].pk])).status_code == 403
    assert Enterprise.objects.get(pk=world["a"].pk).status == Status.PENDING


@pytest.mark.parametrize("who", ["a", "yuekou_officer", "expert"])
def test_only_city_sees_the_city_list(client, world, who):
    login(client, world, who)
    assert client.get(reverse("enterprises:all_enterprises")).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    for url in (reverse("enterprises:unit_enterprises"), reverse("enterprises:all_enterprises"),
                reverse("enterprises:enterprise_detail", args=[world["a"].pk]), reverse("enterprises:my_enterprise")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_city_sees_all_and_filters(client, world):
    login(client, world, "city")
    url = reverse("enterprises:all_enterprises")
    text = client.get(url).content.decode()
    assert all(name in text for name in ("岳口甲公司", "岳口乙公司", "开发区丙公司"))
    assert "共 3 家" in text

    text = client.get(url, {"unit": world["zone"].pk}).content.decode()
    assert "开发区丙公司" in text and "岳口甲公司" not in text
    text = client.get(url, {"unit": world["yuekou"].pk, "status": "confirmed"}).content.decode()
    assert "岳口乙公司" in text and "岳口甲公司" not in text and "开发区丙公司" not in text
    text = client.get(url, {"status": "rejected"}).content.decode()
    assert "没有符合条件的企业" in text

    for enterprise in ("a", "b", "z"):  # and may open every detail page, without decision buttons
        detail = client.get(reverse("enterprises:enterprise_detail", args=[world[enterprise].pk])).content.decode()
        assert reverse("enterprises:enterprise_confirm", args=[world[enterprise].pk]) not in detail


def test_city_cannot_confirm(client, world):
    login(client, world, "city")
    assert client.post(reverse("enterprises:enterprise_confirm", args=[world["a"].pk])).status_code == 403


def test_city_list_paginates(client, world, monkeypatch):
    from tidu.enterprises import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    login(client, world, "city")
    first = client.get(reverse("enterprises:all_enterprises"), {"status": ""}).content.decode()
    assert "第 1 / 2 页" in first and "status=&amp;page=2" in first


def test_expert_sees_no_enterprise(client, world):
    login(client, world, "expert")
    assert client.get(reverse("enterprises:enterprise_detail", args=[world["a"].pk])).status_code == 404


def test_detail_page_for_the_unit(client, world):
    login(client, world, "yuekou_officer")
    text = client.get(reverse("enterprises:enterprise_detail", args=[world["a"].pk])).content.decode()
    assert "岳口甲公司" in text and "C34（制造业 › 34 通用设备制造业）" in text
    assert "确认属于本单位" in text and "退回（不予确认）" in text


def test_unsafe_next_is_ignored(client, world):
    login(client, world, "yuekou_officer")
    response = client.post(reverse("enterprises:enterprise_confirm", args=[world["a"].pk]),
                           {"next": "https://evil.example/"})
    assert response["Location"] == reverse("enterprises:unit_enterprises")
