"""Input hygiene at the boundary: NUL, other C0 controls, lone surrogates and bidi overrides are refused by
every form, every operation parameter, every query string and every JSON import — with the field named and
what was typed kept — on SQLite and PostgreSQL alike (PostgreSQL answered a NUL with a server error)."""

import html
import importlib
import inspect
import pkgutil

import pytest
from django import forms as django_forms
from django.contrib.auth.models import AnonymousUser
from django.db import DataError
from django.urls import reverse

import tidu
from tidu import testing
from tidu.accounts.models import Organisation
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.forms import SafeTextMixin
from tidu.core.models import AuditEntry
from tidu.core.text import control_character_paths, visible
from tidu.core.unsafe_text import UnsafeTextMiddleware
from tidu.eligibility.interchange import InterchangeError, parse_document
from tidu.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "\x0b", "\x01", "\x1f", "\x7f", "\u202e", "\u2066", "\ud800"]
# Django's own authentication forms (the login belongs to the accounts app and its throttling).
AUTH_FORMS = {"LockoutAuthenticationForm", "LockoutAdminAuthenticationForm"}


@pytest.mark.parametrize("char", HOSTILE)
def test_each_unsafe_character_is_found_and_ordinary_text_is_not(char):
    assert control_character_paths({"a": [f"前{char}后"]}) == [("a", 0)]
    assert control_character_paths({"a": "制表\t换行\n回车\r 表情😀 全角＝ 阿拉伯文 مرحبا"}) == []
    assert "[U+" in visible(f"x{char}")


def test_every_project_form_is_a_safe_text_form():
    for module in pkgutil.walk_packages(tidu.__path__, "tidu."):
        if ".tests" in module.name or ".e2e" in module.name or ".migrations" in module.name:
            continue
        if not (module.name.endswith(".forms") or module.name.endswith(".views")):
            continue
        loaded = importlib.import_module(module.name)
        for name, cls in inspect.getmembers(loaded, inspect.isclass):
            if cls.__module__ == module.name and issubclass(cls, django_forms.BaseForm) and name not in AUTH_FORMS:
                assert issubclass(cls, SafeTextMixin), f"{module.name}.{name} does not refuse control characters"


@pytest.fixture
def unit():
    return testing.unit("岳口镇", Organisation.Kind.TOWNSHIP)


def registration(unit, **changes):
    data = {"name": "天门市楚天精工机械有限公司", "credit_code": testing.valid_credit_code(), "legal_status": "legal_person",
            "industry_division": "C34", "industry_detail": "3484", "registered_region": "湖北省天门市",
            "address": "岳口镇工业园1号", "legal_representative": "胡建华", "contact_name": "刘洋",
            "contact_phone": "13907281234", "contact_email": "liuyang@example.com", "unit": str(unit.pk),
            "username": "chutian", "password1": "Tianmen-Huachu-2026", "password2": "Tianmen-Huachu-2026"}
    return {**data, **changes}


def test_registration_refuses_nul_and_bidi_naming_the_fields_and_keeps_what_was_typed(client, unit):
    data = registration(unit, name="天门市\x00某公司", address="岳口镇\u202e1号", credit_code="\x00" + "9" * 17)
    response = client.post(reverse("enterprises:register"), data)
    assert response.status_code == 200 and not Enterprise.objects.exists()
    text = html.unescape(response.content.decode())
    for label in ("企业名称", "地址", "统一社会信用代码"):
        assert f"“{label}”含有不可见的控制字符" in text
    assert 'value="天门市\x00某公司"' in text and 'value="岳口镇\u202e1号"' in text
    assert 'value="刘洋"' in text  # the other fields are kept too


def test_a_township_reason_with_a_nul_is_refused_on_the_page_with_the_reason_kept(client, unit):
    town = testing.officer(unit)
    company = testing.enterprise(unit, "天门市某机械有限公司")
    testing.enterprise_user(company, "ent")
    application = testing.application(company)
    testing.drive_to(application, State.SUBMITTED)
    before = AuditEntry.objects.count()
    client.force_login(town)
    response = client.post(reverse("applications:review", args=[application.pk]),
                           {"action": "township_not_recommend", "reason": "不符合\x00条件"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "含有不可见的控制字符" in text and "“理由”" in text
    assert "不符合\x00条件" in text
    assert Application.objects.get(pk=application.pk).status == State.SUBMITTED
    assert AuditEntry.objects.count() == before


def test_every_operation_parameter_is_checked_before_anything_is_written(unit):
    testing.officer(unit)
    company = testing.enterprise(unit, "天门市某机械有限公司")
    testing.enterprise_user(company, "ent")
    application = testing.application(company)
    testing.drive_to(application, State.SUBMITTED)
    with pytest.raises(Exception) as caught:
        testing.transition(application, "township_return", "township", reason="请补充",
                           section_reasons={"basic": "市场占有率\u202e"})
    assert "退回理由" in str(caught.value)
    assert Application.objects.get(pk=application.pk).status == State.SUBMITTED


@pytest.mark.parametrize("query", ["?q=%00", "?status=a%0Bb", "?next=%E2%80%AE"])
def test_a_query_string_with_a_control_character_gets_a_clear_400(client, query):
    response = client.get(reverse("home") + query)
    assert response.status_code == 400
    assert "查询条件中含有不可见的控制字符" in response.content.decode()


def test_a_path_with_a_nul_gets_a_clear_400(client):
    response = client.get("/publicity/%00/")
    assert response.status_code in (400, 404)


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\u202e", "\\u000b"])
def test_json_imports_refuse_control_characters_with_the_path(escape):
    with pytest.raises(InterchangeError) as caught:
        parse_document('{"facts": {"name": "a' + escape + 'b"}, "kpis": {}}')
    assert caught.value.problems[0][0] == "facts.name"
    assert "控制字符" in caught.value.problems[0][1]


@pytest.mark.parametrize("error", [
    DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
    UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
])
def test_unsafe_text_reaching_the_database_is_a_400_page_not_a_500(rf, error):
    request = rf.post("/x/")
    request.user = AnonymousUser()
    response = UnsafeTextMiddleware(lambda r: None).process_exception(request, error)
    assert response.status_code == 400 and "未能保存" in response.content.decode()
    assert UnsafeTextMiddleware(lambda r: None).process_exception(request, ValueError("other")) is None
