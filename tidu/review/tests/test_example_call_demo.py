"""load_demo loads the second call (the 先进级 example of tidu/policy/examples, marked as example data) with its
own unit, township officer and demo enterprises, prints their logins, and the township → city steps work on it."""

import io

import pytest
from django.core.management import call_command

from tidu.accounts.models import User
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.policy.models import Call
from tidu.review import example_call_demo as demo
from tidu.review import services

pytestmark = pytest.mark.django_db


def test_load_demo_creates_the_example_call_with_its_unit_officer_and_enterprises(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call = Call.objects.get(code=demo.CALL_CODE)
    assert "示例数据" in call.title and call.region == demo.REGION
    officer = User.objects.get(username="laoshan", role=User.Role.TOWNSHIP)
    assert officer.organisation.name == demo.UNIT
    printed = out.getvalue()
    for username in ("laoshan", "haiyue", "qdlanjing"):
        assert f"用户名 {username} " in printed
    submitted = Application.objects.get(call=call, enterprise__organisation__users__username="haiyue")
    draft = Application.objects.get(call=call, enterprise__organisation__users__username="qdlanjing")
    assert submitted.status == State.SUBMITTED and submitted.tier == "advanced"
    assert draft.status == State.DRAFT
    assert submitted.enterprise.registered_region == demo.REGION

    # 崂山区 recommends and sends its list; the city receives it.
    application_services.application_transition(application=submitted, action="township_recommend", user=officer)
    submitted.refresh_from_db()
    rlist = services.list_for(call=call, unit=officer.organisation, user=officer)
    services.entries_add(rlist=rlist, applications=[submitted], user=officer, now=demo.SUBMITTED_AT)
    entry = rlist.entries.get()
    services.entries_update(rlist=rlist, order=[entry.pk], opinions={entry.pk: "同意推荐"}, user=officer,
                            now=demo.SUBMITTED_AT)
    services.list_sign(rlist=rlist, user=officer, now=demo.SUBMITTED_AT)
    services.list_send(rlist=rlist, user=officer, now=demo.SUBMITTED_AT)
    services.city_receive(application=submitted, user=User.objects.get(username="city"))
    submitted.refresh_from_db()
    assert submitted.status == State.RECEIVED

    call_command("load_demo", stdout=io.StringIO())  # idempotent
    assert Application.objects.filter(call=call).count() == 2


def test_an_enterprise_is_offered_the_calls_of_its_own_region_and_told_whose_deadline(client, settings, tmp_path):
    """A Tianmen enterprise was offered the Qingdao example call and its 待办 showed that call's deadline unnamed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = "2026-02-20T10:00:00+08:00"
    call_command("load_demo", stdout=io.StringIO())
    qingdao = Call.objects.get(code=demo.CALL_CODE)
    tianmen = Call.objects.exclude(pk=qingdao.pk).get(region__contains="天门")
    client.force_login(User.objects.get(username="xinyuan"))  # a Tianmen draft
    page = client.get("/applications/").content.decode()
    assert tianmen.title in page and qingdao.title not in page
    todo = page.split('id="todo"', 1)[1].split("</section>", 1)[0]
    assert f"《{tianmen.title}》" in todo
    client.force_login(User.objects.get(username="haiyue"))  # a Qingdao application
    page = client.get("/applications/").content.decode()
    assert qingdao.title in page and tianmen.title not in page


def test_each_page_opens_on_the_same_call_and_a_township_on_its_own(client, settings, tmp_path):
    """A walk found intake opening on 天门's call, the dashboards and the comparison on 青岛's, and 崂山区's officer
    on 天门's call, where it has nothing to do."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = "2026-02-20T10:00:00+08:00"
    call_command("load_demo", stdout=io.StringIO())
    qingdao = Call.objects.get(code=demo.CALL_CODE)
    tianmen = Call.objects.exclude(pk=qingdao.pk).get(region__contains="天门")
    client.force_login(User.objects.get(username="laoshan"))
    page = client.get("/review/township/").content.decode()
    assert f'<option value="{qingdao.code}" selected' in page, "崂山区 opens on its own call"
    assert "青岛海岳智能装备有限公司（示例）" in page
    client.force_login(User.objects.get(username="yuekou"))
    assert f'<option value="{tianmen.code}" selected' in client.get("/review/township/").content.decode()
    client.force_login(User.objects.get(username="city"))
    opened = {}
    for url in ("/review/intake/", "/dashboards/", "/benchmark/"):
        page = client.get(url).content.decode()
        opened[url] = {call.code for call in (qingdao, tianmen) if f'<option value="{call.code}" selected' in page}
    assert len({frozenset(codes) for codes in opened.values()}) == 1 and all(len(c) == 1 for c in opened.values()), \
        opened
