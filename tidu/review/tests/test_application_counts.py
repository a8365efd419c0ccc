"""The stored per-call application counts (``applications.ApplicationCount``, kept by database triggers).

They must equal the GROUP BY over the applications they replace after any kind of write — the operations, and the
bulk paths that bypass them (bulk_create, QuerySet.update, QuerySet.delete, the ORM's cascades) — and emptying the
tables in any order (a test flush) must leave nothing behind and raise nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from tidu import testing as build
from tidu.accounts.models import Organisation
from tidu.applications import counts
from tidu.applications.models import Application, ApplicationCount, Submission
from tidu.applications.selectors import applications_visible_to
from tidu.applications.workflow import STATE_LABELS, State
from tidu.enterprises.models import Delegation
from tidu.policy.models import Call
from tidu.review import selectors
from tidu.review.models import RecommendationEntry, RecommendationList

STATES = list(STATE_LABELS)
SENT, DRAFT_LIST = RecommendationList.Status.SENT, RecommendationList.Status.DRAFT


@pytest.fixture
def world(db):
    call = build.load_call()
    other = Call.objects.get(pk=call.pk)
    other.pk, other.code, other.title = None, "OTHER-CALL", "另一批次"
    other.save()
    units = [build.unit("竟陵街道办事处"), build.unit("岳口镇人民政府", Organisation.Kind.TOWNSHIP)]
    city = build.city_officer()
    towns = [build.officer(units[0], "town0"), build.officer(units[1], "town1")]
    enterprises = [build.enterprise(units[i % 2], f"企业{i}") for i in range(12)]
    Delegation.objects.create(enterprise=enterprises[0], grantee=towns[0], granted_by=towns[0])
    Delegation.objects.create(enterprise=enterprises[3], grantee=towns[1], granted_by=towns[1])
    # Every status in both calls, by bulk_create (no save(): the triggers count them); one without a stored unit.
    applications = Application.objects.bulk_create([
        Application(enterprise=enterprise, call=c, tier=f"t{i}-{j}", unit_id=None if (i, c) == (5, other)
                    else enterprise.organisation.parent_id, status=STATES[(i * 3 + j) % len(STATES)])
        for i, enterprise in enumerate(enterprises) for j, c in enumerate((call, other))])
    receipted = [a for k, a in enumerate(applications) if a.status != State.DRAFT and k % 3 != 0]
    Submission.objects.bulk_create([receipt(a, city, k) for k, a in enumerate(receipted)])
    recommended = [a for a in applications if a.status == State.TOWNSHIP_RECOMMENDED] + applications[6:9]
    lists = {}
    for k, a in enumerate(recommended):
        rlist = lists.get((a.call_id, a.unit_id))
        if rlist is None:
            rlist = lists[(a.call_id, a.unit_id)] = RecommendationList.objects.create(
                call_id=a.call_id, unit_id=a.unit_id or units[0].pk, status=SENT if k % 2 else DRAFT_LIST)
        RecommendationEntry.objects.create(recommendation_list=rlist, application=a, priority=k + 1, added_by=towns[0])
    return {"calls": [call, other], "units": units, "city": city, "towns": towns, "applications": applications,
            "lists": list(lists.values())}


def receipt(application, user, serial) -> Submission:
    return Submission(application=application, number=f"R-{application.pk}-{serial}", idempotency_key=f"k{application.pk}-{serial}",
                      submitted_at=timezone.now() - dt.timedelta(minutes=serial), submitted_by=user, content_sha256="0" * 64,
                      snapshot={}, verdict={}, attested_by_name="王")


def assert_consistent(world):
    assert counts.stored_counts() == counts.expected_counts()
    for user in [world["city"], *world["towns"]]:
        for call in [None, *world["calls"]]:
            for status in ["", State.SUBMITTED, State.TOWNSHIP_RECOMMENDED, State.WITHDRAWN, State.DRAFT]:
                visible = applications_visible_to(user)
                if call is not None:
                    visible = visible.filter(call=call)
                if status:
                    visible = visible.filter(status=status)
                assert counts.grouped_visible(user, call=call, status=status) == +counts.grouped_applications(
                    visible), (user, call, status)
    for call in world["calls"]:
        for unit in [None, *world["units"]]:
            filters = selectors.IntakeFilters(call=call, unit=unit)
            assert selectors.intake_grouped(world["city"], filters) == +counts.grouped_applications(
                selectors.intake_applications(world["city"], filters))


def test_counts_follow_every_kind_of_write(world):
    applications, city, lists = world["applications"], world["city"], world["lists"]
    assert ApplicationCount.objects.exists()
    assert_consistent(world)
    pks = [a.pk for a in applications]
    # QuerySet.update: status, unit (an enterprise moved), call; nothing runs save() or a signal.
    Application.objects.filter(pk__in=pks[::4]).update(status=State.SUBMITTED)
    assert_consistent(world)
    Application.objects.filter(pk__in=pks[1::5]).update(unit=world["units"][1])
    Application.objects.filter(pk=pks[2]).update(unit=None)
    assert_consistent(world)
    # lists sent and reopened by update, an entry moved to another list, entries removed
    RecommendationList.objects.filter(pk=lists[0].pk).update(status=SENT)
    RecommendationList.objects.filter(pk=lists[-1].pk).update(status=RecommendationList.Status.REOPENED)
    assert_consistent(world)
    entry = RecommendationEntry.objects.filter(recommendation_list=lists[0]).first()
    RecommendationEntry.objects.filter(pk=entry.pk).update(recommendation_list=lists[-1])
    assert_consistent(world)
    RecommendationEntry.objects.filter(pk__in=RecommendationEntry.objects.values("pk")[:2]).delete()
    assert_consistent(world)
    # receipts: the last one of a withdrawn application removed (it becomes the enterprise's own again), new ones
    withdrawn = Application.objects.filter(status=State.WITHDRAWN, submissions__isnull=False).first()
    Application.objects.filter(pk=pks[0]).update(status=State.WITHDRAWN)
    Submission.objects.filter(application_id=pks[0]).delete()
    if withdrawn is not None:
        Submission.objects.filter(application=withdrawn).delete()
    assert_consistent(world)
    Submission.objects.bulk_create([receipt(a, city, 100 + k) for k, a in enumerate(applications[:6])])
    Submission.objects.filter(application_id=pks[3]).update(application_id=pks[4])
    assert_consistent(world)
    # a list deleted with its entries (the ORM's cascade), applications deleted, moved to the other call
    lists[-1].delete()
    assert_consistent(world)
    gone = pks[10:14]
    RecommendationEntry.objects.filter(application_id__in=gone).delete()
    Submission.objects.filter(application_id__in=gone).delete()
    Application.objects.filter(pk__in=gone).delete()
    assert_consistent(world)
    Application.objects.filter(pk__in=pks[14:18]).update(call=world["calls"][0])
    assert_consistent(world)
    # and through the operations (save(), the submit service)
    newcomer = build.enterprise(world["units"][0], "企业新")
    build.enterprise_user(newcomer, "ent-new")
    made = build.application(newcomer, call=world["calls"][0])
    assert_consistent(world)
    build.submitted(made)
    assert_consistent(world)


def test_recount_rebuilds_and_check_compares(world):
    expected = counts.expected_counts()
    ApplicationCount.objects.filter(pk__in=ApplicationCount.objects.values("pk")[:3]).delete()
    ApplicationCount.objects.create(call_id=999999, unit_id=0, status=State.SUBMITTED, has_receipt=True,
                                    listed=False, sent=False, n=7)
    with pytest.raises(CommandError):
        call_command("recount_applications", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("recount_applications", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert counts.stored_counts() == expected
    call_command("recount_applications", "--check", stdout=io.StringIO())
    # and the triggers go on from the rebuilt rows
    Application.objects.filter(pk=world["applications"][1].pk).update(status=State.RECEIVED)
    assert counts.stored_counts() == counts.expected_counts()


TABLES = [model._meta.db_table for model in (Application, Submission, RecommendationEntry, RecommendationList,
                                             ApplicationCount)]


def test_emptying_the_tables_in_any_order_leaves_no_count(world):
    """What a TransactionTestCase flush does on SQLite (DELETE FROM each table, in an order that varies by process),
    in every order of the five tables: no error, and no count row left once the applications are gone; while the
    counts table is still there it agrees with the applications. Each order is rolled back (the applications' other
    rows still point to them)."""
    assert ApplicationCount.objects.exists()
    for order in itertools.permutations(TABLES):
        with transaction.atomic():
            with connection.cursor() as cursor:
                for position, table in enumerate(order):
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
                    if ApplicationCount._meta.db_table not in order[:position + 1]:
                        assert counts.stored_counts() == counts.expected_counts(), order[:position + 1]
            assert not ApplicationCount.objects.exists(), order
            transaction.set_rollback(True)
        assert counts.stored_counts() == counts.expected_counts()


def test_every_trigger_is_installed(db):
    """On SQLite a later migration that alters one of the four tables remakes it, and the remade table has no
    trigger: such a migration must install them again (this test says so)."""
    migration = importlib.import_module("tidu.review.migrations.0004_application_count_triggers")
    wanted = {f"application_count_{name}" for name, *_ in migration.TRIGGERS}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        installed = {row[0] for row in cursor.fetchall()}
    assert wanted <= installed, wanted - installed
