"""No API answer ever holds an object outside the caller's visibility: every id returned, for every role, is in
the selector's answer; every object outside it is a 404 (the same as an object that does not exist)."""

from __future__ import annotations

import pytest

from tidu.api.tests.conftest import auth, token
from tidu.applications.models import Application, Submission
from tidu.applications.selectors import applications_visible_to, submissions_visible_to
from tidu.documents import services as document_services
from tidu.documents.models import DossierDocument
from tidu.documents.selectors import documents_visible_to
from tidu.enterprises.models import Enterprise
from tidu.enterprises.selectors import enterprises_visible_to

pytestmark = pytest.mark.django_db

ROLES = ("ent_a", "ent_b", "ent_c", "town_x", "town_y", "city")


def _all_pages(client, path, secret):
    ids, offset = [], 0
    while True:
        body = client.get(path, {"limit": 2, "offset": offset}, **auth(secret)).json()
        ids += [item["id"] for item in body["items"]]
        offset += 2
        if offset >= body["count"]:
            return ids


def test_every_returned_object_is_within_the_callers_visibility(world, client):
    app_b = world["apps"]["b"]
    document_services.application_document(app_b, DossierDocument.Kind.SUMMARY_ROW_XLSX)
    for username in ROLES:
        user = world["people"][username]
        secret = token(user)
        visible = set(applications_visible_to(user).values_list("pk", flat=True))
        listed = _all_pages(client, "/api/applications", secret)
        assert sorted(listed) == sorted(visible), username  # paginated, complete, nothing else
        enterprises = set(enterprises_visible_to(user).values_list("pk", flat=True))
        assert set(_all_pages(client, "/api/enterprises", secret)) == enterprises, username
        submissions = set(submissions_visible_to(user).values_list("pk", flat=True))
        documents = set(documents_visible_to(user).values_list("pk", flat=True))
        for application in Application.objects.all():
            detail = client.get(f"/api/applications/{application.pk}", **auth(secret))
            assert detail.status_code == (200 if application.pk in visible else 404), (username, application)
            for part in ("submissions", "documents"):
                answer = client.get(f"/api/applications/{application.pk}/{part}", **auth(secret))
                if application.pk not in visible:
                    assert answer.status_code == 404
                    continue
                returned = {item["id"] for item in answer.json()}
                assert returned <= (submissions if part == "submissions" else documents), (username, part)
        for submission in Submission.objects.all():
            answer = client.get(f"/api/submissions/{submission.pk}", **auth(secret))
            assert answer.status_code == (200 if submission.pk in submissions else 404), (username, submission)
        for document in DossierDocument.objects.all():
            answer = client.get(f"/api/documents/{document.pk}/download", **auth(secret))
            assert answer.status_code == (200 if document.pk in documents else 404), (username, document)
    assert Enterprise.objects.count() == 4


def test_a_draft_is_its_enterprises_alone_and_a_unit_sees_only_its_own(world, client):
    draft, app_a, app_b = world["apps"]["c"], world["apps"]["a"], world["apps"]["b"]
    ids = lambda who: {i["id"] for i in client.get("/api/applications", **auth(token(world["people"][who]))).json()["items"]}  # noqa: E731
    assert ids("ent_c") == {draft.pk}
    assert ids("town_x") == {app_a.pk}          # the draft of its own unit's enterprise stays hidden
    assert ids("town_y") == {app_b.pk}
    assert ids("city") == {app_a.pk, app_b.pk}


def test_the_frozen_submission_and_its_verdict_are_returned_with_the_application(world, client):
    app_a = world["apps"]["a"]
    secret = token(world["people"]["town_x"])
    detail = client.get(f"/api/applications/{app_a.pk}", **auth(secret)).json()
    assert detail["status"] == "submitted" and detail["status_label"] == "已提交，待乡镇审核"
    assert detail["verdict"]["outcome"] == "eligible" and detail["latest_receipt"]
    [receipt] = client.get(f"/api/applications/{app_a.pk}/submissions", **auth(secret)).json()
    frozen = client.get(f"/api/submissions/{receipt['id']}", **auth(secret)).json()
    stored = Submission.objects.get(pk=receipt["id"])
    assert frozen["snapshot"] == stored.snapshot and frozen["verdict"] == stored.verdict
    assert frozen["number"] == detail["latest_receipt"]


def test_calls_and_their_pinned_policy(world, client):
    secret = token(world["people"]["ent_a"], scopes=["read"])
    [call] = client.get("/api/calls", **auth(secret)).json()
    assert call["code"] == "tianmen-2026-basic" and call["policy_sha256"] == world["call"].policy_sha256
    policy = client.get(f"/api/calls/{call['id']}/policy", **auth(secret)).json()
    assert policy["policy_sha256"] == world["call"].policy_sha256
    assert {p["pack_id"] for p in policy["packs"]} >= {"call-tianmen-2026-basic"}
    assert len(policy["documents"]) == len(policy["packs"])
    assert client.get("/api/calls/999999/policy", **auth(secret)).status_code == 404


def test_the_fuzz_visibility_check_catches_a_planted_leak(world):
    """The check the fuzz makes (tidu.api.visibility) would notice an object of another unit in an answer."""
    from tidu.api.visibility import outside_visibility

    app_b = world["apps"]["b"]
    town_x = world["people"]["town_x"]
    leak = {"count": 1, "items": [{"id": app_b.pk, "enterprise": {"id": app_b.enterprise_id}}]}
    assert outside_visibility(town_x, "/api/applications", leak) == {"application": [app_b.pk],
                                                                     "enterprise": [app_b.enterprise_id]}
    assert outside_visibility(world["people"]["city"], "/api/applications", leak) == {}
    assert outside_visibility(town_x, f"/api/applications/{app_b.pk}/documents", [{"id": 999}]) == {
        "document": [999]}
