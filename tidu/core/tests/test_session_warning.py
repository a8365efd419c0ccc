"""Signed-in pages carry the session's length for the expiry warning (tidu/session.js), in a data attribute."""

import pytest
from django.urls import reverse

from tidu import testing
from tidu.accounts.models import Organisation

pytestmark = pytest.mark.django_db


def test_signed_in_pages_say_how_long_the_session_lasts(client, settings):
    settings.SESSION_COOKIE_AGE = 1800
    officer = testing.officer(testing.unit("岳口镇", kind=Organisation.Kind.TOWNSHIP), "yuekou")
    anonymous = client.get(reverse("home")).content.decode()
    assert "data-session-age" not in anonymous and "tidu/session.js" not in anonymous
    client.force_login(officer)
    page = client.get(reverse("home")).content.decode()
    assert 'data-session-age="1800"' in page and "tidu/session.js" in page
    assert f'data-login-url="{reverse("accounts:login")}?next=/"' in page
