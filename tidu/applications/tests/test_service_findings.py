"""Problems found in the services while building the pages (each once an xfail, now fixed there), and how the pages cope."""

import pytest
from django.urls import reverse

from tidu.applications import services
from tidu.applications.sections import SECTIONS_BY_KEY, clean_section
from tidu.applications.testing import fill_complete_application
from tidu.applications.tests.conftest import IN_WINDOW, login

pytestmark = pytest.mark.django_db


def _set_industry_code(application, user, code):
    """A draft saved before 基本信息 took its identity from the registry (saving now would replace the code)."""
    row = application.sections.get(key="basic")
    row.data = {**row.data, "industry_code": code}
    row.save()


def test_clean_section_rejects_an_industry_code_the_engine_cannot_read():
    clean = clean_section(SECTIONS_BY_KEY["basic"], {"industry_code": "3484"})
    assert "industry_code" in clean.errors


def test_submit_with_a_malformed_industry_code_takes_the_registered_one_not_crashed(app_a, users):
    fill_complete_application(app_a, users["a"])
    _set_industry_code(app_a, users["a"], "3484")
    submission = services.application_submit(application=app_a, user=users["a"], idempotency_key="k", now=IN_WINDOW)
    assert submission.snapshot["sections"]["basic"]["industry_code"] == app_a.enterprise.industry_code


def test_a_decimal_too_large_for_a_float_is_an_error():
    clean = clean_section(SECTIONS_BY_KEY["basic"], {"main_business_revenue_10k_yuan": "1e400"})
    assert "main_business_revenue_10k_yuan" in clean.errors


def test_an_invalid_attestation_is_one_problem_not_two():
    clean = clean_section(SECTIONS_BY_KEY["attestation"], {"signer_name": "李强", "confirmed": "maybe"})
    assert len(clean.errors) + len(clean.missing) == 1


# --- and the pages say what is wrong ---------------------------------------------------------------

def test_a_malformed_industry_code_is_shown_as_a_field_error(client, users, app_a, frozen_now):
    fill_complete_application(app_a, users["a"])
    _set_industry_code(app_a, users["a"], "3484")
    login(client, users["a"])
    page = client.get(reverse("applications:section", args=[app_a.pk, "basic"])).content.decode()
    assert "行业代码 3484 格式不正确" in page
    assert 'value="3484"' in page  # what was typed is still there
    response = client.get(reverse("applications:verdict_json", args=[app_a.pk]))
    assert response.status_code == 200
    assert response.json()["findings"][0]["clause"] == "申报条件1"
    # Submitting replaces it with the registered code (test above): identity comes from the registry.
