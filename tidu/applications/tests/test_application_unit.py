"""The unit stored on an application (for the lists' indexed sort and filter) is the enterprise's unit: set when the
application is started, and moved with the enterprise by the one operation that moves it (organisation.update)."""

from __future__ import annotations

import importlib

import pytest
from django.urls import reverse

from tidu import testing as build
from tidu.accounts import operations as account_operations
from tidu.applications.models import Application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""


def test_an_application_stores_its_enterprises_unit_and_moves_with_the_enterprise(client):
    call = build.load_call()
    yuekou, jingling = build.unit("岳口镇"), build.unit("竟陵街道办事处")
    enterprise = build.enterprise(yuekou, "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent")
    application = build.application(enterprise, call=call)
    assert application.unit == yuekou  # set by application_start
    build.submitted(application)
    build.officer(yuekou, "yuekou")
    officer = build.officer(jingling, "jingling")

    account_operations.run("organisation.update", enterprise.organisation, build.admin(), parent_id=jingling.pk)

    application.refresh_from_db()
    assert application.unit == jingling
    client.force_login(officer)  # the new unit's officer sees it in the list, sorted and filtered by stored unit
    assert enterprise.name in client.get(reverse("applications:unit_list")).content.decode()
    client.force_login(build.city_officer("city"))
    page = client.get(reverse("applications:all_list")).content.decode()
    assert enterprise.name in page and "竟陵街道办事处" in page


def test_the_migration_backfills_the_unit_of_existing_applications():
    call = build.load_call()
    unit = build.unit("岳口镇")
    enterprise = build.enterprise(unit, "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent")
    application = build.application(enterprise, call=call)
    Application.objects.filter(pk=application.pk).update(unit=None)
    migration = importlib.import_module("tidu.applications.migrations.0011_application_unit")
    from django.apps import apps

    migration.backfill_unit(apps, None)
    application.refresh_from_db()
    assert application.unit == unit
