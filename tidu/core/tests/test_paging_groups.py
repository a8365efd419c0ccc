"""page_of_groups gives exactly the pages of the fully sorted list (every page, groups split across pages, an
application without a stored unit last), while sorting only the groups a page shows."""

from __future__ import annotations

import pytest

from tidu import testing as build
from tidu.applications.models import Application
from tidu.core.paging import page_of, page_of_groups

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIDU_NOW = ""


def test_grouped_pages_are_the_pages_of_the_sorted_list():
    call = build.load_call()
    units = [build.unit("竟陵街道办事处"), build.unit("岳口镇"), build.unit("多宝镇")]
    enterprise = build.enterprise(units[0], "天门市华楚精密机械有限公司")
    build.enterprise_user(enterprise, "ent")
    template = build.application(enterprise, call=call)
    build.submitted(template)
    build.clone_applications(template, 22, units=units, serial_from=1)
    Application.objects.filter(pk=Application.objects.order_by("-pk")[0].pk).update(unit=None)
    applications = Application.objects.all()
    for per_page in (1, 4, 7, 25):
        pages = range(1, -(-applications.count() // per_page) + 1)
        expected = [[a.pk for a in page_of(applications.order_by("unit__name", "status", "pk"), per_page, n)]
                    for n in pages]
        grouped = [[a.pk for a in page_of_groups(applications, per_page, n, group="unit", group_order="unit__name",
                                                 within=("status", "pk"))] for n in pages]
        assert grouped == expected, per_page
    page = page_of_groups(applications, 4, 99, group="unit", group_order="unit__name", within=("status", "pk"))
    assert page.number == page.paginator.num_pages == 6 and page.paginator.count == 23
