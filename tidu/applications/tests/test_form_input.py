"""Numbers as people type them (全角数字、％、全角负号) are accepted; impossible values are refused by name."""

import pytest
from django.urls import reverse

from tidu.applications.sections import SECTIONS_BY_KEY, clean_section, normalise_number
from tidu.applications.tests.conftest import login
from tidu.policy.selectors import call_policy_for

pytestmark = pytest.mark.django_db


def section_url(application, key):
    return reverse("applications:section", args=[application.pk, key])


def post(client, application, key, go="next", **fields):
    revision = application.sections.get(key=key).revision
    return client.post(section_url(application, key), {"base_revision": str(revision), "go": go, **fields})


@pytest.mark.parametrize("typed, percent, number", [
    ("１２３４．５", False, "1234.5"), ("－５", False, "-5"), ("\u22125", False, "-5"), ("1,234", False, "1234"),
    ("２．５％", True, "2.5"), ("2.5 %", True, "2.5"), ("2.5%", False, "2.5%"),
])
def test_normalise_number(typed, percent, number):
    assert normalise_number(typed, percent=percent) == number


def test_full_width_digits_are_accepted_and_normalised(client, users, app_a):
    login(client, users["a"])
    response = post(client, app_a, "scope", scope="车间级", project_name="数字化车间", start_date="２０２５－０３－０１",
                    end_date="2025-12-18", total_investment_10k_yuan="１２００．５", summary="概况")
    assert response.status_code == 302 and response["Location"] == section_url(app_a, "scenarios")
    row = app_a.sections.get(key="scope")
    assert row.data["total_investment_10k_yuan"] == "１２００．５"  # stored as typed
    clean = clean_section(SECTIONS_BY_KEY["scope"], row.data, call_policy_for(app_a.call))
    assert not clean.errors
    assert clean.values["total_investment_10k_yuan"] == 1200.5 and clean.values["start_date"] == "2025-03-01"


def test_percent_in_a_percent_kpi_field_is_accepted(client, users, app_a):
    login(client, users["a"])
    post(client, app_a, "kpis", go="", **{"kpi-K10-before": "６２．５％", "kpi-K10-after": "81.5%"})
    row = app_a.sections.get(key="kpis")
    clean = clean_section(SECTIONS_BY_KEY["kpis"], row.data, call_policy_for(app_a.call))
    assert clean.values["K10"] == {"before": 62.5, "after": 81.5} and not clean.errors


def test_end_before_start_and_negative_investment_refused_with_the_field_named(client, users, app_a):
    login(client, users["a"])
    response = post(client, app_a, "scope", scope="车间级", project_name="数字化车间", start_date="2025-06-01",
                    end_date="2025-01-01", total_investment_10k_yuan="－5", summary="概况")
    # Saved (nothing is lost) but the page stays, with the summary at the top
    assert response.status_code == 302 and "check=1" in response["Location"]
    assert response["Location"].startswith(section_url(app_a, "scope"))
    page = client.get(response["Location"]).content.decode()
    assert 'id="error-summary"' in page
    assert "建设完成日期（2025年1月1日）早于建设开始日期（2025年6月1日）" in page
    assert "总投资（万元）不能为负数（填写了 －5）" in page
    assert 'value="2025-01-01"' in page and 'value="－5"' in page and 'value="2025-06-01"' in page
    clean = clean_section(SECTIONS_BY_KEY["scope"], app_a.sections.get(key="scope").data, call_policy_for(app_a.call))
    assert set(clean.errors) == {"end_date", "total_investment_10k_yuan"} and not clean.complete


def test_ai_scenario_counts_are_shown_from_scenarios_not_asked_again(client, users, app_a):
    login(client, users["a"])
    rows = {}
    for index, (sid, ai) in enumerate((("SC24", "yes"), ("SC25", "no"), ("SC26", "yes"))):
        rows.update({f"scenarios-{index}-id": sid, f"scenarios-{index}-description": "建设内容",
                     f"scenarios-{index}-uses_ai": ai})
    post(client, app_a, "scenarios", go="", **rows)
    page = client.get(section_url(app_a, "kpis")).content.decode()
    assert 'id="derived-K03"' in page and "来自“场景建设”" in page
    assert 'name="kpi-K03-part"' not in page and 'name="kpi-K03-whole"' not in page  # not asked
    assert 'id="id_kpi-K03-part" value="2" class="registry-value" readonly' in page
    assert 'id="id_kpi-K03-whole" value="3" class="registry-value" readonly' in page
    # Saving the KPI page stores the counts from 场景建设, whatever was posted for them
    post(client, app_a, "kpis", go="", **{"kpi-K03-part": "9", "kpi-K03-whole": "9", "kpi-K01-part": "４６",
                                          "kpi-K01-whole": "58"})
    data = app_a.sections.get(key="kpis").data
    assert data["K03"] == {"part": "2", "whole": "3"} and data["K01"] == {"part": "４６", "whole": "58"}


def scenario_rows(*pairs):
    rows = {}
    for index, (sid, ai) in enumerate(pairs):
        rows.update({f"scenarios-{index}-id": sid, f"scenarios-{index}-description": "建设内容",
                     f"scenarios-{index}-uses_ai": ai})
    return rows


def test_saving_scenarios_rederives_the_ai_count_at_once(client, users, app_a):
    """K03 follows 场景建设 when that is saved, without anyone opening the KPI step; typed KPIs are kept."""
    from tidu.core.models import AuditEntry

    login(client, users["a"])
    post(client, app_a, "kpis", go="", **{"kpi-K01-part": "46", "kpi-K01-whole": "58"})
    post(client, app_a, "scenarios", go="", **scenario_rows(("SC24", "yes"), ("SC25", "no")))
    kpis = app_a.sections.get(key="kpis")
    assert kpis.data == {"K01": {"part": "46", "whole": "58"}, "K03": {"part": "1", "whole": "2"}}
    revision = kpis.revision

    post(client, app_a, "scenarios", go="", **scenario_rows(("SC24", "yes"), ("SC25", "yes"), ("SC26", "yes")))
    kpis.refresh_from_db()
    assert kpis.data["K03"] == {"part": "3", "whole": "3"} and kpis.data["K01"] == {"part": "46", "whole": "58"}
    assert kpis.revision == revision  # never typed: a KPI page open elsewhere is not put in conflict
    entry = AuditEntry.objects.filter(action="application.section_save").order_by("-id").first()
    assert entry.detail["key"] == "scenarios" and entry.detail["derived"]["key"] == "kpis"
    verdict_kpis = clean_section(SECTIONS_BY_KEY["kpis"], kpis.data, call_policy_for(app_a.call)).values
    assert verdict_kpis["K03"] == {"part": 3.0, "whole": 3.0}

    assert entry.detail["derived"]["changed"] == ["K03"]
    # Emptying 场景建设 drops the derived count.
    post(client, app_a, "scenarios", go="", **{"scenarios-0-id": "", "scenarios-0-description": ""})
    kpis.refresh_from_db()
    assert "K03" not in kpis.data and kpis.data["K01"] == {"part": "46", "whole": "58"}
