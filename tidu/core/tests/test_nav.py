"""The header's navigation (tidu.core.nav: rendered once per language and role, markers replaced per request) prints what the templates print rendered for the person directly."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.utils import translation

from tidu import testing
from tidu.accounts.models import Organisation, User
from tidu.core.nav import site_nav
from tidu.notifications import services as notifications
from tidu.notifications.context_processors import notifications as unread_processor

pytestmark = pytest.mark.django_db

# core/base.html's header before issue 15, with the six apps' nav partials put in place of their includes.
FORMER = """{% load i18n roles %}<a href="{% url 'home' %}">{% translate "申报批次" %}</a>
      {% if user.is_authenticated %}
        <a href="{% url 'accounts:dashboard' %}">{% translate "工作台" %}</a>
        {% if user.is_authenticated %}{% if user|is_township %}<a href="{% url 'review:township_dashboard' %}">{% translate "审核推荐" %}</a><a href="{% url 'readiness:city' %}">{% translate "就绪度分布" %}</a>{% elif user|is_city %}<a href="{% url 'review:intake' %}">{% translate "受理审查" %}</a>{% endif %}{% endif %}
{% if user.is_authenticated %}{% if user|is_expert %}<a href="{% url 'experts:my_assignments' %}">{% translate "我的评审" %}</a><a href="{% url 'onsite:mine' %}">{% translate "现场核查" %}</a>{% elif user|is_city %}<a href="{% url 'experts:home' %}">{% translate "专家评审" %}</a><a href="{% url 'onsite:home' %}">{% translate "现场核查" %}</a>{% endif %}{% endif %}
<a href="{% url 'publicity:public_list' %}">{% translate "公示公告" %}</a>{% if user.is_authenticated %}{% if user|is_city %}<a href="{% url 'publicity:manage_list' %}">{% translate "公示管理" %}</a><a href="{% url 'dashboards:overview' %}">{% translate "统计看板" %}</a><a href="{% url 'readiness:city' %}">{% translate "就绪度分布" %}</a>{% endif %}{% endif %}
{% if user.is_authenticated %}<a href="{% url 'notifications:list' %}" title="{% translate '通知' %}">{% translate "通知" %}{% if unread_notifications %}<span class="nav-badge" style="display:inline-block;min-width:1.5em;padding:0 5px;margin-left:3px;border-radius:9px;background:#fff;color:#b3261e;font-size:12px;font-weight:700;text-align:center;line-height:1.5" aria-label="{% blocktranslate with n=unread_notifications %}{{ n }} 条未读{% endblocktranslate %}">{{ unread_notifications }}</span>{% endif %}</a>{% endif %}
{% if user.is_authenticated and user|is_city %}<a href="{% url 'records:index' %}">{% translate "操作日志" %}</a>{% endif %}
{% if user.is_authenticated %}{% if user|is_city %}<a href="{% url 'benchmark:city' %}">{% translate "同行业对比" %}</a>{% elif user|is_enterprise %}<a href="{% url 'benchmark:mine' %}">{% translate "同行业对比" %}</a>{% endif %}{% endif %}

        <a href="{% url 'accounts:profile' %}" title="{% translate '个人信息' %}">{% if user.is_superuser %}{% blocktranslate with name=user.display_name role=_("系统管理员") %}{{ name }}（{{ role }}）{% endblocktranslate %}{% else %}{% blocktranslate with name=user.display_name role=user.get_role_display %}{{ name }}（{{ role }}）{% endblocktranslate %}{% endif %}</a>
        <form action="{% url 'accounts:logout' %}" method="post" class="logout-form" style="margin:0">{% csrf_token %}
          <button type="submit" style="font:inherit;color:#fff;background:none;border:1px solid rgba(255,255,255,.7);border-radius:4px;padding:0 10px;cursor:pointer">{% translate "退出" %}</button>
        </form>
      {% else %}
        <a href="{% url 'enterprises:register' %}">{% translate "企业登记" %}</a>
        <a href="{% url 'accounts:login' %}">{% translate "登录" %}</a>
      {% endif %}"""


def _people():
    unit = testing.unit("岳口镇", kind=Organisation.Kind.TOWNSHIP)
    enterprise = testing.enterprise(unit, "天门市华楚精密机械有限公司")
    return [AnonymousUser(), testing.officer(unit, "town", "张<三>"), testing.city_officer("city"),
            testing.expert("expert1"), testing.enterprise_user(enterprise, "ent"),
            User.objects.create_superuser("root", "root@example.cn", "x"),
            User.objects.create_user(username="auditor", password="x", role=User.Role.AUDITOR)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_nav_is_the_former_templates_html_for_every_role(rf, language):
    people = _people()
    notifications.deliver([people[2]], kind="t", title="一条通知")  # the city officer has a badge
    for user in people:
        request = rf.get("/")
        request.user = user
        context = {"user": user, "request": request, "csrf_token": "TOKEN"}
        with translation.override(language):
            unread = notifications.unread_count(user) if user.is_authenticated else 0
            former = Template(FORMER).render(Context({**context, "unread_notifications": unread}))
            # As a page renders it: with the notifications app's context processor (the unread count).
            context.update(unread_processor(request))
            assert str(site_nav(Context(context))) == former, user
            assert str(site_nav(Context(context))) == former  # the kept pieces give the same again


def test_the_city_sees_its_links_and_the_unread_badge(rf):
    city = testing.city_officer("city")
    request = rf.get("/")
    request.user = city
    html = site_nav({"user": city, "request": request, **unread_processor(request)})
    assert "受理审查" in html and "统计看板" in html and "nav-badge" not in html
    notifications.deliver([city], kind="t", title="一条通知")
    assert "1 条未读" in site_nav({"user": city, "request": request, **unread_processor(request)})
