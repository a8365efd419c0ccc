"""The operations layer's fixed part: check, lock, one audit row, events on commit, rules from other domains.

A small operation on a real model (an organisation's name) stands in for the domains' operations, so these
tests pin the base class itself; each domain tests its own operations beside its code.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction

from tidu.accounts.models import Organisation, User
from tidu.core import events
from tidu.core.errors import TiduError
from tidu.core.models import AuditEntry, OutboxEvent
from tidu.core.operations import (
    _RULES,
    ALLOWED,
    AuditRecord,
    Operation,
    Rule,
    add_rule,
    allowed,
    is_deadlock,
    operation_class,
    refused,
)

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True)
class Renamed(events.DomainEvent):
    name = "test.organisation_renamed"
    organisation_id: int
    new_name: str


@operation_class
class Rename(Operation):
    name = "test_organisation.rename"
    label = "改名"
    object_type = "organisation"
    model = Organisation
    roles = ("city",)

    def state_check(self, obj):
        return ALLOWED if obj.is_active else refused("组织已停用，不能改名")

    def state_of(self, obj):
        return obj.name

    def validate(self, user, obj):
        if not self.params.get("new_name", "").strip():
            raise TiduError("新名称不能为空")

    def perform(self, user, obj):
        obj.name = self.params["new_name"].strip()
        obj.save(update_fields=["name"])
        return obj

    def events(self, user, obj, result, entry):
        return [Renamed(organisation_id=obj.pk, new_name=obj.name)]


@pytest.fixture
def organisation():
    return Organisation.objects.create(name="岳口镇", kind=Organisation.Kind.TOWNSHIP)


@pytest.fixture
def city():
    return User.objects.create_user("city-officer", role=User.Role.CITY)


@pytest.fixture
def enterprise_user():
    return User.objects.create_user("ent", role=User.Role.ENTERPRISE)


@pytest.fixture
def received():
    got = []
    events.subscribe(Renamed, lambda event, event_id: got.append((event.new_name, event_id)), key="test.received")
    yield got
    events._SUBSCRIBERS.pop(Renamed.name, None)


def test_check_tells_forbidden_from_refused(organisation, city, enterprise_user):
    assert Rename(organisation, new_name="x").check(city)
    denied = Rename(organisation, new_name="x").check(enterprise_user)
    assert not denied and denied.forbidden
    organisation.is_active = False
    organisation.save()
    refusal = Rename(organisation, new_name="x").check(city)
    assert not refusal and not refusal.forbidden and refusal.reason == "组织已停用，不能改名"


def test_execute_writes_exactly_one_audit_row_and_delivers_the_event_on_commit(
        organisation, city, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Rename(organisation, new_name="岳口镇人民政府", reason="规范名称").execute(city)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_role, entry.object_type, entry.object_id, entry.action) == (
        city, "city", "organisation", str(organisation.pk), "test_organisation.rename")
    assert (entry.from_status, entry.to_status, entry.reason) == ("岳口镇", "岳口镇人民政府", "规范名称")
    outbox = OutboxEvent.objects.get()
    assert received == [("岳口镇人民政府", outbox.pk)]
    assert outbox.delivered_at is not None and outbox.delivered_to == ["test.received"]


def test_refusals_write_nothing(organisation, city, enterprise_user):
    with pytest.raises(PermissionDenied):
        Rename(organisation, new_name="x").execute(enterprise_user)
    with pytest.raises(TiduError, match="新名称不能为空"):
        Rename(organisation, new_name="  ").execute(city)
    organisation.refresh_from_db()
    assert organisation.name == "岳口镇"
    assert not AuditEntry.objects.exists() and not OutboxEvent.objects.exists()


def test_execute_re_checks_on_the_locked_row(organisation, city):
    """A stale copy in memory does not decide: the row as locked does (another request deactivated it)."""
    stale = Organisation.objects.get(pk=organisation.pk)
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    with pytest.raises(TiduError, match="组织已停用"):
        Rename(stale, new_name="新名").execute(city)
    assert not AuditEntry.objects.exists()


def test_a_rolled_back_change_leaves_no_audit_row_and_no_event(organisation, city, received,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            Rename(organisation, new_name="新名").execute(city)
            raise RuntimeError("the surrounding request failed")
    organisation.refresh_from_db()
    assert organisation.name == "岳口镇"
    assert not AuditEntry.objects.exists() and not OutboxEvent.objects.exists() and received == []


def test_a_rule_added_by_another_domain_joins_check_and_execute(organisation, city):
    ran = []
    rule = Rule(key="test.no_rename_in_march",
                check=lambda user, obj: refused("三月不改名") if obj.name == "岳口镇" else ALLOWED,
                on_execute=lambda user, obj, params: ran.append(params["new_name"]))
    add_rule(Rename.name, rule)
    try:
        assert Rename(organisation, new_name="x").check(city).reason == "三月不改名"
        assert not allowed(Rename.name, organisation, city)
        with pytest.raises(TiduError, match="三月不改名"):
            Rename(organisation, new_name="x").execute(city)
        other = Organisation.objects.create(name="多宝镇", kind=Organisation.Kind.TOWNSHIP)
        Rename(other, new_name="多宝镇人民政府").execute(city)
        assert ran == ["多宝镇人民政府"]
    finally:
        _RULES.pop(Rename.name, None)


def test_templates_ask_the_operation(rf, organisation, city, enterprise_user):
    from django.template import Context, Template

    template = Template('{% load tidu_tags %}{% allowed "test_organisation.rename" org as ok %}{{ ok|yesno:"可,否" }}')
    for user, expected in ((city, "可"), (enterprise_user, "否")):
        request = rf.get("/")
        request.user = user
        assert template.render(Context({"request": request, "org": organisation})) == expected


def test_request_id_from_the_request_is_written_on_the_audit_row(client, organisation, city, settings):
    """The middleware's id reaches the audit row (a view performing an operation)."""
    from django.http import HttpResponse
    from django.urls import path

    def view(request):
        Rename(Organisation.objects.get(pk=organisation.pk), new_name="经请求改名").execute(city)
        return HttpResponse("ok")

    import types
    urlconf = types.ModuleType("test_request_id_urls")
    urlconf.urlpatterns = [path("rename/", view)]
    settings.ROOT_URLCONF = urlconf
    response = client.get("/rename/", HTTP_X_REQUEST_ID="req-0123456789abcdef")
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    assert AuditEntry.objects.get().request_id == "req-0123456789abcdef"
    client.get("/rename/", HTTP_X_REQUEST_ID="bad id with spaces")  # not accepted: a fresh one is made
    assert len(AuditEntry.objects.order_by("id").last().request_id) == 32


def test_write_audit_records_an_anonymous_actor(organisation):
    from django.contrib.auth.models import AnonymousUser

    from tidu.core.operations import write_audit

    entry = write_audit(AnonymousUser(), AuditRecord(object_type="organisation", object_id=organisation.pk,
                                                     action="test.viewed"))
    assert entry.actor is None and entry.actor_role == ""


# --- a transaction PostgreSQL aborts to break a deadlock is run again ---------------------------------------

class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _operational_error(sqlstate):
    error = OperationalError(f"SQLSTATE {sqlstate}")
    error.__cause__ = _PgError(sqlstate)
    return error


def _failing_first(monkeypatch, sqlstate):
    """Rename.perform writes, then fails once with ``sqlstate`` (as PostgreSQL does when it picks the victim)."""
    calls = []
    perform = Rename.perform

    def flaky(self, user, obj):
        calls.append(obj.name)
        result = perform(self, user, obj)
        if len(calls) == 1:
            raise _operational_error(sqlstate)
        return result

    monkeypatch.setattr(Rename, "perform", flaky)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_is_run_again_from_the_start_and_recorded_once(monkeypatch, organisation, city):
    calls = _failing_first(monkeypatch, "40P01")
    Rename(organisation, new_name="岳口镇人民政府").execute(city)
    # The second attempt saw the row as before the first (rolled back), and one audit row exists.
    assert calls == ["岳口镇", "岳口镇"]
    assert Organisation.objects.get(pk=organisation.pk).name == "岳口镇人民政府"
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried(monkeypatch, organisation, city):
    calls = _failing_first(monkeypatch, "57014")  # query_canceled
    with pytest.raises(OperationalError):
        Rename(organisation, new_name="岳口镇人民政府").execute(city)
    assert len(calls) == 1 and Organisation.objects.get(pk=organisation.pk).name == "岳口镇"
    assert not AuditEntry.objects.exists()


def test_inside_an_outer_transaction_a_deadlock_goes_up_to_it(monkeypatch, organisation, city):
    calls = _failing_first(monkeypatch, "40P01")  # this test runs inside the test's transaction
    with pytest.raises(OperationalError):
        Rename(organisation, new_name="岳口镇人民政府").execute(city)
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_is_deadlock_recognises_the_error_postgresql_raises(organisation):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no deadlock abort: its writers queue on the database lock")
    other = Organisation.objects.create(name="多宝镇", kind=Organisation.Kind.TOWNSHIP)
    both_locked_one = threading.Barrier(2, timeout=20)
    errors = []

    def move(first, second):
        try:
            with transaction.atomic():
                Organisation.objects.filter(pk=first).update(name=Organisation.objects.get(pk=first).name + "1")
                both_locked_one.wait()
                Organisation.objects.filter(pk=second).update(name="x")
        except OperationalError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(organisation.pk, other.pk)),
               threading.Thread(target=move, args=(other.pk, organisation.pk))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(errors) == 1 and is_deadlock(errors[0]), errors
