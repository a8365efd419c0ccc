"""The enterprise's stored unit equals its organisation node's parent after every kind of write (the triggers of
migration 0006), so that a township officer sees exactly its unit's enterprises."""

from __future__ import annotations

import pytest
from django.db import connection

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.enterprises.models import Enterprise
from tidu.enterprises.selectors import enterprises_visible_to

pytestmark = pytest.mark.django_db


def assert_stored_units_right(towns):
    assert list(Enterprise.objects.exclude(stored_unit_id=None).values_list("pk", "stored_unit_id").order_by("pk")) \
        == list(Enterprise.objects.exclude(organisation__parent=None).values_list("pk", "organisation__parent_id")
                .order_by("pk"))
    assert not Enterprise.objects.filter(stored_unit_id=None, organisation__parent__isnull=False).exists()
    for town in towns:
        assert set(enterprises_visible_to(town)) == set(Enterprise.objects.filter(
            organisation__parent=town.organisation))


def test_the_stored_unit_follows_the_organisation():
    units = [build.unit("竟陵街道办事处"), build.unit("岳口镇人民政府", Organisation.Kind.TOWNSHIP)]
    towns = [build.officer(units[0], "town0"), build.officer(units[1], "town1")]
    made = build.enterprise(units[0], "企业甲")
    assert made.stored_unit_id == units[0].pk
    build.enterprise(units[1], "企业乙")
    # bulk_create, without save(): the database sets it
    nodes = Organisation.objects.bulk_create([Organisation(name=f"企业{i}", kind=Organisation.Kind.ENTERPRISE,
                                                           parent=units[i % 2]) for i in range(6)])
    Enterprise.objects.bulk_create([Enterprise(organisation=node, name=node.name, credit_code=build.valid_credit_code(),
                                               industry_code="C3484", registered_region="天门市", contact_name="王",
                                               contact_phone="1") for node in nodes])
    assert_stored_units_right(towns)
    # an organisation moved by QuerySet.update, by save(), and an enterprise given another node
    Organisation.objects.filter(pk__in=[n.pk for n in nodes[:2]]).update(parent=units[1])
    assert_stored_units_right(towns)
    made.organisation.parent = units[1]
    made.organisation.save()
    assert_stored_units_right(towns)
    Enterprise.objects.filter(organisation=nodes[2]).update(stored_unit=units[1] if nodes[2].parent_id == units[0].pk
                                                            else units[0])  # a wrong value written directly
    assert_stored_units_right(towns)
    spare = Organisation.objects.create(name="空节点", kind=Organisation.Kind.ENTERPRISE, parent=units[0])
    Enterprise.objects.filter(organisation=nodes[3]).update(organisation=spare)
    assert_stored_units_right(towns)


def test_the_triggers_are_installed():
    """On SQLite a later migration that remakes the enterprise or organisation table drops its triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            wanted = {"enterprise_unit_write", "organisation_unit_update"}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            wanted = {"enterprise_unit_insert", "enterprise_unit_update", "organisation_unit_update"}
        assert wanted <= {row[0] for row in cursor.fetchall()}
