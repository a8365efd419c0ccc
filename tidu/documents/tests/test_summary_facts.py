"""The 汇总表 rows the export reads from stored facts are the rows ``record_summary_row`` makes from each frozen
submission (the way every row was made before the facts were stored): same values, same types, same order."""

from __future__ import annotations

import pytest

from tidu import testing as build
from tidu.applications.models import Application
from tidu.applications.workflow import State
from tidu.core.events import deliver_pending
from tidu.documents import services
from tidu.documents.dossier import record_summary_row
from tidu.documents.models import SummaryFacts
from tidu.documents.selectors import summary_applications
from tidu.policy.selectors import call_policy_for

pytestmark = pytest.mark.django_db


def _reference_rows(user, call, ids):
    """The rows as the export made them before: every receipt's snapshot assembled into a dossier."""
    policy = call_policy_for(call)
    found = {a.pk: a for a in summary_applications(user, call).filter(pk__in=ids)
             .select_related("enterprise__organisation__parent").prefetch_related("submissions")}
    list_rows = services.sent_list_rows({a.recommendation_entry.recommendation_list_id for a in found.values()})
    rows = []
    for pk in ids:
        source = services.summary_source(found.get(pk), list_rows)
        if source is not None:
            entry, submission = source
            rows.append(record_summary_row(found[pk], submission, entry, policy).numbered(len(rows) + 1))
    return rows


def _varied_call():
    call = build.load_call()
    town = build.unit("岳口镇", "township")
    other = build.unit("皂市镇", "township")
    build.officer(town, "town")
    build.officer(other, "town2")
    city = build.city_officer("city")
    made = []
    cases = [
        (town, "天门市华楚精密机械有限公司", {}, {}),
        (town, "天门市汉江塑业有限公司", {"contact_name": "李#[*]$", "contact_phone": "0728-5212345"},
         {"project_name": "汉江塑业 注塑车间（一期）"}),
        (other, "天门市楚乡食品有限公司", {"contact_name": "Zhang San 😀"}, {"project_name": "楚乡食品 Line-A/B-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}),
    ]
    for serial, (unit, name, basic, scope) in enumerate(cases):
        enterprise = build.enterprise(unit, name, credit_code=build.valid_credit_code(100 + serial))
        build.enterprise_user(enterprise, f"ent{serial}")
        application = build.application(enterprise, call=call, filled=True)
        if basic:
            build.edit_section(application, "basic", **basic)
        if scope:
            build.edit_section(application, "scope", **scope)
        build.submitted(application)
        made.append(application)
    for application in made:
        build.drive_to(application, State.TOWNSHIP_RECOMMENDED)
    build.put_on_sent_list(made[0], made[1], opinions={made[1].pk: "同意推荐，\n重点培育"})
    build.put_on_sent_list(made[2])
    return call, city


def test_rows_from_stored_facts_are_the_rows_made_from_the_snapshots():
    call, city = _varied_call()
    deliver_pending()
    ids = list(summary_applications(city, call).values_list("pk", flat=True))
    assert SummaryFacts.objects.count() == Application.objects.filter(call=call).count()  # stored on submission
    expected = _reference_rows(city, call, ids)
    got = list(services.iter_summary_rows(city, call, ids))
    assert len(got) == 3
    assert got == expected
    assert [[type(v) for v in row.values()] for row in got] == [[type(v) for v in row.values()] for row in expected]


def test_backfilled_and_job_made_facts_match_too():
    call, city = _varied_call()
    ids = list(summary_applications(city, call).values_list("pk", flat=True))
    SummaryFacts.objects.all().delete()
    got = list(services.iter_summary_rows(city, call, ids))  # the export works them out and stores them
    assert got == _reference_rows(city, call, ids)
    assert SummaryFacts.objects.count() == 3
    SummaryFacts.objects.update(policy_sha256="another policy", factory_name="stale")
    assert list(services.iter_summary_rows(city, call, ids)) == _reference_rows(city, call, ids)


def test_the_migration_backfills_the_facts_of_existing_receipts():
    from importlib import import_module

    from django.apps import apps

    call, city = _varied_call()
    ids = list(summary_applications(city, call).values_list("pk", flat=True))
    SummaryFacts.objects.all().delete()
    import_module("tidu.documents.migrations.0006_backfill_summary_facts").backfill(apps, None)
    assert SummaryFacts.objects.count() == 3
    assert set(SummaryFacts.objects.values_list("policy_sha256", flat=True)) == {call_policy_for(call).sha256}
    assert list(services.iter_summary_rows(city, call, ids)) == _reference_rows(city, call, ids)
