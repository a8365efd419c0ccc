"""The city's pool and rubric pages, the expert's own declarations, and who may open which page."""

import pytest
from django.urls import reverse

from tidu.accounts.models import User
from tidu.experts import services
from tidu.experts.models import Criterion, ExpertProfile, ExpertRelation, Rubric
from tidu.experts.rubrics import DEFAULT_SOURCE


def test_default_rubric_from_the_reference_table(w, city):
    rubric = services.rubric_ensure(w["call"], "basic", city)
    rows = [(c.name, int(c.max_points)) for c in rubric.criteria.all()]
    assert rows == [("智能制造成熟度", 20), ("信息基础建设水平", 30), ("技术应用先进性", 20),
                    ("解决方案示范性和可推广性", 10), ("经济社会效益情况", 10), ("后续实施计划", 10)]
    assert rubric.source == DEFAULT_SOURCE == "辽宁/大连 2026 先进级评分表（第三方整理，C级）"
    assert "基础级" in rubric.note and "参考" in rubric.note and "调整" in rubric.note
    rubric.refresh_from_db()
    assert str(rubric.outlier_points) == "15.0" and rubric.exclude_same_unit and not rubric.trim_extremes
    assert not rubric.city_sees_scores_before_complete
    assert services.rubric_ensure(w["call"], "basic") == rubric  # once per call and tier
    assert Rubric.objects.count() == 1


def test_rubric_page_edit_reorder_add_delete(client, w, city):
    client.force_login(city)
    page = client.get(reverse("experts:rubrics")).content.decode()
    assert "按参考评分表建立" in page
    response = client.post(reverse("experts:rubric_ensure", args=[w["call"].pk]))
    rubric = Rubric.objects.get()
    assert response["Location"] == reverse("experts:rubric", args=[rubric.pk])
    url = reverse("experts:rubric", args=[rubric.pk])
    page = client.get(url).content.decode()
    assert DEFAULT_SOURCE in page and "本平台自定（D级" in page and "满分合计 100 分" in page
    first, second = list(rubric.criteria.all())[:2]
    assert client.post(url, {"action": "down", "criterion": first.pk}).status_code == 302
    assert list(rubric.criteria.values_list("pk", flat=True))[:2] == [second.pk, first.pk]
    assert client.post(url, {"action": "update", "criterion": first.pk, "name": "成熟度", "max_points": "15",
                             "guidance": "按报告"}).status_code == 302
    first.refresh_from_db()
    assert (first.name, str(first.max_points)) == ("成熟度", "15.0")
    response = client.post(url, {"action": "add", "name": "", "max_points": "abc"})
    assert response.status_code == 400
    assert client.post(url, {"action": "add", "name": "示范带动", "max_points": "5"}).status_code == 302
    added = Criterion.objects.get(name="示范带动")
    assert client.post(url, {"action": "delete", "criterion": added.pk}).status_code == 302
    assert not Criterion.objects.filter(pk=added.pk).exists()
    response = client.post(url, {"action": "settings", "title": rubric.title, "note": "", "experts_per_application": "5",
                                 "outlier_points": "12.5", "exclude_same_unit": "on"})
    assert response.status_code == 302
    rubric.refresh_from_db()
    assert (rubric.experts_per_application, str(rubric.outlier_points)) == (5, "12.5")
    response = client.post(url, {"action": "settings", "title": rubric.title, "experts_per_application": "0",
                                 "outlier_points": "0"})
    assert response.status_code == 400 and "应在 1 到 15 之间" in response.content.decode()


def test_pool_add_existing_and_new_account_and_relations(client, w, city):
    existing = User.objects.create_user("e9", password="pw-not-used-123", role=User.Role.EXPERT, first_name="周专家")
    client.force_login(city)
    assert "周专家" in client.get(reverse("experts:profile_new")).content.decode()
    response = client.post(reverse("experts:profile_new"), {"existing_user": existing.pk, "employer_name": "某大学",
                                                            "is_active": "on"})
    assert response.status_code == 302 and ExpertProfile.objects.filter(user=existing).exists()
    response = client.post(reverse("experts:profile_new"), {"username": "", "is_active": "on"})
    assert response.status_code == 400 and "请选择已有专家账号，或填写新账号的用户名" in response.content.decode()
    response = client.post(reverse("experts:profile_new"), {"username": "newexpert", "name": "吴专家",
                                                            "email": "wu@example.com", "title": "教授",
                                                            "unit": w["units"]["y"].pk, "is_active": "on"})
    assert response.status_code == 302
    new = User.objects.get(username="newexpert")
    assert new.role == User.Role.EXPERT and not new.has_usable_password()
    profile = new.expert_profile
    assert profile.unit == w["units"]["y"]
    response = client.post(reverse("experts:profile_edit", args=[profile.pk]), {
        "action": "relation", "enterprise": w["enterprises"]["a"].pk, "kind": "consulting", "note": "2025 年咨询"})
    assert response.status_code == 302
    relation = ExpertRelation.objects.get(profile=profile)
    assert client.post(reverse("experts:relation_remove", args=[relation.pk])).status_code == 302
    assert not ExpertRelation.objects.filter(pk=relation.pk).exists()
    assert "吴专家" in client.get(reverse("experts:pool")).content.decode()


def test_expert_declares_a_relation_by_full_name_or_credit_code(client, w, experts):
    client.force_login(experts["e1"])
    url = reverse("experts:my_profile")
    response = client.post(url, {"enterprise": "华楚", "kind": "consulting"})
    assert response.status_code == 400 and "平台上没有名称或信用代码为“华楚”的企业" in response.content.decode()
    assert client.post(url, {"enterprise": "天门市华楚精密机械有限公司", "kind": "consulting"}).status_code == 302
    assert client.post(url, {"enterprise": "91429006ma49abcd2y", "kind": "shareholding"}).status_code == 302
    names = set(ExpertRelation.objects.filter(profile__user=experts["e1"]).values_list("enterprise__name", flat=True))
    assert names == {"天门市华楚精密机械有限公司", "天门市岳口纺织有限公司"}
    page = client.get(url).content.decode()
    assert "天门市岳口纺织有限公司" in page and "持股或投资" in page


def test_an_expert_outside_the_pool_cannot_declare(client, db, w):
    lone = User.objects.create_user("lone", password="pw-not-used-123", role=User.Role.EXPERT)
    client.force_login(lone)
    assert "尚未被市经信局纳入专家库" in client.get(reverse("experts:my_profile")).content.decode()
    client.post(reverse("experts:my_profile"), {"enterprise": "天门市华楚精密机械有限公司", "kind": "consulting"})
    assert not ExpertRelation.objects.exists()


CITY_GET_PAGES = ["experts:home", "experts:pool", "experts:profile_new", "experts:rubrics"]


@pytest.mark.parametrize("who", ["ent_a", "town_x", "e1"])
def test_city_pages_are_forbidden_to_other_roles(client, w, passed, who, city):
    rubric = services.rubric_ensure(w["call"], "basic", city)
    profile = w["experts"]["e2"].expert_profile
    relation = services.relation_declare(user=city, profile=profile, enterprise=w["enterprises"]["b"],
                                         kind="consulting")
    user = w["experts"].get(who) or w["users"][who]
    client.force_login(user)
    for name in CITY_GET_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    for name, arg in (("experts:profile_edit", profile.pk), ("experts:rubric", rubric.pk),
                      ("experts:review", passed.pk), ("experts:assign", passed.pk)):
        assert client.get(reverse(name, args=[arg])).status_code == 403, name
    for name, arg in (("experts:relation_remove", relation.pk), ("experts:rubric_ensure", w["call"].pk),
                      ("experts:complete", passed.pk), ("experts:reopen", 1)):
        assert client.post(reverse(name, args=[arg])).status_code == 403, name
    assert ExpertRelation.objects.filter(pk=relation.pk).exists()


def test_city_pages_open_for_the_city(client, w, passed, city):
    client.force_login(city)
    for name in CITY_GET_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    page = client.get(reverse("experts:home")).content.decode()
    assert "天门市华楚精密机械有限公司" in page and reverse("experts:assign", args=[passed.pk]) in page
    assert client.get(reverse("experts:review", args=[passed.pk])).status_code == 200
    assert client.get(reverse("experts:profile_edit", args=[999999])).status_code == 404
