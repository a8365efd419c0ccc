"""With a ``replica`` alias configured (as DATABASE_REPLICA_URL adds it, MIRROR of the test database) the
dashboards read their figures through it; without one everything stays on default."""

import copy

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tidu.core.db_routers import REPLICA, replica_configured
from tidu.dashboards import selectors


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """The alias settings.py adds for DATABASE_REPLICA_URL, pointing at the test database (TEST MIRROR).

    Module-scoped so that it exists before the test case checks its ``databases``."""
    assert not replica_configured()  # the suite runs without DATABASE_REPLICA_URL
    settings_dict = copy.deepcopy(connections.settings["default"])
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA] = settings_dict
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])  # committed rows: own connection
def test_dashboards_read_through_the_replica(call, applications, users, replica_alias, client):
    selectors._OVERVIEWS.clear()
    with CaptureQueriesContext(replica_alias) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_default:
        data = selectors.overview(call)
    assert (data.total, data.counted, data.recognised) == (6, 4, 1)
    assert len(on_replica.captured_queries) >= 5  # fingerprint aggregates and the figures' rows
    assert on_default.captured_queries == []

    client.force_login(users["city"])
    with CaptureQueriesContext(replica_alias) as on_replica:
        response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    assert on_replica.captured_queries  # the page's figures came from the replica


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_every_other_read_and_every_write_uses_default(call, applications, replica_alias):
    from tidu.applications.models import Application

    with CaptureQueriesContext(replica_alias) as on_replica:
        assert Application.objects.filter(call=call).count() == 6
        Application.objects.filter(call=call).update(updated_at=timezone.now())
    assert on_replica.captured_queries == []
