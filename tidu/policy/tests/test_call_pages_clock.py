"""The call pages say whether a call is open by the platform's clock, so a demo clock reopens it."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    call_command("load_policy", verbosity=0)


def test_call_is_open_under_a_demo_clock_inside_the_window(client, loaded, settings):
    settings.TIDU_NOW = "2026-03-15T23:59:00+08:00"
    assert "申报中" in client.get("/").content.decode()


def test_call_is_closed_after_its_last_day(client, loaded, settings):
    settings.TIDU_NOW = "2026-03-16T00:00:00+08:00"
    page = client.get("/").content.decode()
    assert "已截止" in page and "申报中" not in page
