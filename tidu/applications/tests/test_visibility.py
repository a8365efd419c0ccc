"""The one answer to "may this user see this application", and the one definition of the roles behind it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tidu.accounts import permissions as accounts
from tidu.accounts.models import User
from tidu.applications import permissions, selectors
from tidu.applications.models import Application
from tidu.applications.workflow import State

pytestmark = pytest.mark.django_db


def _everyone(users):
    admin = User.objects.create_user(username="root", password="x", role=User.Role.ADMIN)
    superuser = User.objects.create_user(username="su", password="x", role=User.Role.CITY, is_superuser=True)
    return {**users, "admin": admin, "superuser": superuser, "anonymous": AnonymousUser()}


def _sees(user, application) -> tuple[bool, bool]:
    """(queryset answer, single-object answer): they must always agree."""
    return (selectors.applications_visible_to(user).filter(pk=application.pk).exists(),
            selectors.can_view_application(user, application))


def test_a_draft_is_its_enterprise_s_only(app_a, users):
    everyone = _everyone(users)
    for key, user in everyone.items():
        expected = key == "a"
        assert _sees(user, app_a) == (expected, expected), key
        assert permissions.can_view(user, app_a) == expected, key


def test_a_submitted_application_is_seen_by_its_enterprise_township_and_the_city(submitted_a, users):
    everyone = _everyone(users)
    for key, user in everyone.items():
        expected = key in ("a", "x", "city")
        assert _sees(user, submitted_a) == (expected, expected), key
        evidence = submitted_a.evidence.first()
        assert selectors.evidence_visible_to(user).filter(pk=evidence.pk).exists() == expected, key
        assert selectors.can_view_evidence(user, evidence) == expected, key
        receipt = submitted_a.latest_submission()
        assert selectors.submissions_visible_to(user).filter(pk=receipt.pk).exists() == expected, key
        assert selectors.can_view_submission(user, receipt) == expected, key


def test_withdrawn_before_it_was_ever_submitted_stays_a_draft(app_a, submitted_b, users):
    """Only reachable through old data (withdraw needs a submission), but the rule holds for it too."""
    Application.objects.filter(pk=app_a.pk).update(status=State.WITHDRAWN)
    app_a.refresh_from_db()
    for key, user in _everyone(users).items():
        expected = key == "a"
        assert _sees(user, app_a) == (expected, expected), key
    Application.objects.filter(pk=submitted_b.pk).update(status=State.WITHDRAWN)  # withdrawn after submission
    submitted_b.refresh_from_db()
    assert _sees(users["y"], submitted_b) == (True, True)
    assert _sees(users["city"], submitted_b) == (True, True)


def test_the_township_dashboard_learns_only_that_a_draft_exists(app_a, users, call):
    assert list(selectors.drafts_started_in(users["x"], call)) == [app_a.enterprise_id]
    assert not selectors.drafts_started_in(users["y"], call).exists()
    assert not selectors.drafts_started_in(users["city"], call).exists()
    assert not selectors.drafts_started_in(users["a"], call).exists()


def test_city_township_expert_admin_are_defined_once(users):
    """Every local name for "city" agrees with accounts.permissions; 系统管理员 is never city."""
    for key, user in _everyone(users).items():
        city = accounts.is_city_user(user)
        assert city == (key == "city"), key
        assert accounts.is_admin(user) == (key in ("admin", "superuser")), key
        assert accounts.is_township_user(user) == (key in ("x", "y")), key
        assert accounts.is_expert(user) == (key == "expert"), key
