"""Internal ids, pack versions and JSON links sit in a collapsible 技术信息 for officials only."""

import pytest
from django.urls import reverse

from tidu.applications.tests.conftest import login

pytestmark = pytest.mark.django_db
PACK_REF = "call-tianmen-2026-basic@"


def test_enterprise_wizard_shows_no_pack_ids_or_json_link(client, users, app_a):
    login(client, users["a"])
    page = client.get(reverse("applications:section", args=[app_a.pk, "basic"])).content.decode()
    assert 'id="eligibility-panel"' in page and "申报条件1" in page
    assert PACK_REF not in page and "判定结果（JSON）" not in page and "技术信息" not in page


def test_enterprise_status_and_township_review_pages(client, users, submitted_a):
    login(client, users["a"])
    page = client.get(reverse("applications:status", args=[submitted_a.pk])).content.decode()
    assert PACK_REF not in page and "判定结果（JSON）" not in page

    login(client, users["x"])
    page = client.get(reverse("applications:review", args=[submitted_a.pk])).content.decode()
    start = page.index('<details class="tech-info')
    block = page[start:page.index("</details>", start)]
    assert "<summary>技术信息</summary>" in block and PACK_REF in block
    assert reverse("applications:verdict_json", args=[submitted_a.pk]) in block
    assert PACK_REF not in page[:start]  # nowhere outside the block


def test_call_page_is_organised_in_collapsible_sections(client, call):
    page = client.get(reverse("policy:call_detail", args=[call.code])).content.decode()
    assert '<details class="call-section" id="conditions" open>' in page  # 申报条件 open
    for key in ("requirements", "scenarios", "kpis", "maturity", "sources"):
        assert f'<details class="call-section" id="{key}">' in page, key
    assert '<summary><h2>申报条件</h2></summary>' in page
    assert page.index('id="technical"') < page.index(PACK_REF)  # versions only inside 技术信息
    assert "<script>" not in page and "onclick" not in page
