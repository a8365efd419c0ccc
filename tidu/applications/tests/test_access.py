"""Who may open which page: every view for every role (owner, other enterprise, own/other township, city,
expert, anonymous). Another organisation's application is a 404; a page of the wrong role is a 403."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications.models import Evidence
from tidu.applications.testing import minimal_pdf_bytes
from tidu.applications.tests.conftest import login

pytestmark = pytest.mark.django_db


def _evidence(application):
    return Evidence.objects.filter(application=application).first()


def _status(client, user, method, url, data=None):
    client.logout()
    if user is not None:
        login(client, user)
    response = client.get(url) if method == "get" else client.post(url, data or {})
    return response.status_code


# --- a submitted application of enterprise A (unit X) -------------------------------------------------

SUBMITTED_GET = {
    # page: {role: expected status}
    "section": {"a": 200, "b": 404, "x": 200, "y": 404, "city": 200, "expert": 404, None: 302},
    "status": {"a": 200, "b": 404, "x": 200, "y": 404, "city": 200, "expert": 404, None: 302},
    "submit": {"a": 200, "b": 404, "x": 403, "y": 404, "city": 403, "expert": 404, None: 302},
    "receipt": {"a": 200, "b": 404, "x": 200, "y": 404, "city": 200, "expert": 404, None: 302},
    "review": {"a": 403, "b": 403, "x": 200, "y": 404, "city": 200, "expert": 403, None: 302},
    "verdict_json": {"a": 200, "b": 404, "x": 200, "y": 404, "city": 200, "expert": 404, None: 302},
    "evidence_download": {"a": 200, "b": 404, "x": 200, "y": 404, "city": 200, "expert": 404, None: 302},
    "wizard": {"a": 302, "b": 404, "x": 302, "y": 404, "city": 302, "expert": 404, None: 302},
}


def _url(name, application):
    if name == "section":
        return reverse("applications:section", args=[application.pk, "basic"])
    if name == "receipt":
        return reverse("applications:receipt", args=[application.pk, application.submissions.get().number])
    if name == "evidence_download":
        return reverse("applications:evidence_download", args=[_evidence(application).pk])
    return reverse(f"applications:{name}", args=[application.pk])


@pytest.mark.parametrize("page", sorted(SUBMITTED_GET))
def test_get_pages_of_a_submitted_application(client, users, submitted_a, page):
    url = _url(page, submitted_a)
    for role, expected in SUBMITTED_GET[page].items():
        assert _status(client, users.get(role), "get", url) == expected, (page, role)


def test_anonymous_is_sent_to_login(client, submitted_a):
    response = client.get(reverse("applications:section", args=[submitted_a.pk, "basic"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]
    for name in ("home", "unit_list", "all_list"):
        response = client.get(reverse(f"applications:{name}"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_htmx_autosave_is_told_to_log_in_not_given_the_login_page(client, app_a):
    url = reverse("applications:autosave", args=[app_a.pk, "basic"])
    response = client.post(url, {"base_revision": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))
    assert app_a.sections.get(key="basic").revision == 0


def test_writes_to_a_submitted_application(client, users, submitted_a):
    basic = reverse("applications:section", args=[submitted_a.pk, "basic"])
    autosave = reverse("applications:autosave", args=[submitted_a.pk, "basic"])
    upload = reverse("applications:evidence_upload", args=[submitted_a.pk, "maturity"])
    delete = reverse("applications:evidence_delete", args=[_evidence(submitted_a).pk])
    submit = reverse("applications:submit", args=[submitted_a.pk])
    revision = submitted_a.sections.get(key="basic").revision
    data = {"base_revision": str(revision), "name": "改名"}
    # the owner is refused by the service (the application is no longer editable), others never get that far
    assert _status(client, users["a"], "post", basic, data) == 400
    assert _status(client, users["a"], "post", autosave, data) == 400
    for role, expected in {"b": 404, "x": 403, "y": 404, "city": 403, "expert": 404, None: 302}.items():
        assert _status(client, users.get(role), "post", basic, data) == expected, role
        assert _status(client, users.get(role), "post", autosave, data) in (expected, 401), role
        assert _status(client, users.get(role), "post", upload, {"topic": "maturity_report"}) == expected, role
        assert _status(client, users.get(role), "post", submit, {"idempotency_key": "zz"}) == expected, role
    for role, expected in {"a": 403, "b": 404, "x": 403, "y": 404, "city": 403, None: 302}.items():
        assert _status(client, users.get(role), "post", delete) == expected, role
    assert submitted_a.sections.get(key="basic").revision == revision
    assert submitted_a.sections.get(key="basic").data["name"] != "改名"
    assert Evidence.objects.filter(application=submitted_a).count() == 1


def test_review_post_by_roles(client, users, submitted_a):
    url = reverse("applications:review", args=[submitted_a.pk])
    data = {"action": "township_recommend", "reason": ""}
    assert _status(client, users["a"], "post", url, data) == 403
    assert _status(client, users["b"], "post", url, data) == 403
    assert _status(client, users["y"], "post", url, data) == 404
    assert _status(client, users["city"], "post", url, data) == 403  # the workflow gives this action to townships
    submitted_a.refresh_from_db()
    assert submitted_a.status == "submitted"
    assert _status(client, users["x"], "post", url, data) == 302
    submitted_a.refresh_from_db()
    assert submitted_a.status == "township_recommended"


# --- a draft: the enterprise's own business -------------------------------------------------------------

@pytest.mark.parametrize("page", ["section", "status", "submit", "verdict_json", "wizard"])
def test_a_draft_is_seen_only_by_its_enterprise(client, users, app_a, page):
    url = _url(page, app_a)
    expected = {"a": 302 if page == "wizard" else 200, "b": 404, "c": 404, "x": 404, "y": 404, "city": 404,
                "expert": 404}
    for role, status in expected.items():
        assert _status(client, users[role], "get", url) == status, (page, role)


def test_enterprise_a_cannot_touch_bs_draft(client, users, app_a, app_b):
    login(client, users["a"])
    for key in ("basic", "kpis", "scenarios"):
        assert client.get(reverse("applications:section", args=[app_b.pk, key])).status_code == 404
        assert client.post(reverse("applications:section", args=[app_b.pk, key]),
                           {"base_revision": "0"}).status_code == 404
        assert client.post(reverse("applications:autosave", args=[app_b.pk, key]),
                           {"base_revision": "0"}).status_code == 404
    pdf = SimpleUploadedFile("a.pdf", minimal_pdf_bytes(), content_type="application/pdf")
    response = client.post(reverse("applications:evidence_upload", args=[app_b.pk, "maturity"]),
                           {"topic": "maturity_report", "file": pdf})
    assert response.status_code == 404
    assert client.get(reverse("applications:submit", args=[app_b.pk])).status_code == 404
    assert client.post(reverse("applications:submit", args=[app_b.pk]), {"idempotency_key": "k"}).status_code == 404
    assert client.get(reverse("applications:status", args=[app_b.pk])).status_code == 404
    assert client.get(reverse("applications:verdict_json", args=[app_b.pk])).status_code == 404
    assert app_b.sections.get(key="basic").revision == 0
    assert not Evidence.objects.filter(application=app_b).exists()


def test_unknown_section_is_404(client, users, app_a):
    login(client, users["a"])
    assert client.get(reverse("applications:section", args=[app_a.pk, "nope"])).status_code == 404


def test_home_by_role(client, users, app_a):
    assert _status(client, users["a"], "get", reverse("applications:home")) == 200
    login(client, users["x"])
    assert client.get(reverse("applications:home"))["Location"] == reverse("applications:unit_list")
    login(client, users["city"])
    assert client.get(reverse("applications:home"))["Location"] == reverse("applications:all_list")
    assert _status(client, users["expert"], "get", reverse("applications:home")) == 403


def test_lists_by_role(client, users):
    assert _status(client, users["x"], "get", reverse("applications:unit_list")) == 200
    for role in ("a", "city", "expert"):
        assert _status(client, users[role], "get", reverse("applications:unit_list")) == 403, role
    assert _status(client, users["city"], "get", reverse("applications:all_list")) == 200
    for role in ("a", "x", "expert"):
        assert _status(client, users[role], "get", reverse("applications:all_list")) == 403, role


def test_unit_list_shows_only_its_units_submitted_applications(client, users, submitted_a, submitted_b, app_c):
    login(client, users["x"])
    page = client.get(reverse("applications:unit_list")).content.decode()
    assert submitted_a.enterprise.name in page
    assert submitted_b.enterprise.name not in page  # unit Y
    assert app_c.enterprise.name not in page  # unit X, but still a draft
    assert "符合申报条件" in page  # the engine's outcome at submission
    login(client, users["city"])
    page = client.get(reverse("applications:all_list")).content.decode()
    assert submitted_a.enterprise.name in page and submitted_b.enterprise.name in page
    assert app_c.enterprise.name not in page


def test_township_x_cannot_open_township_ys_application_or_files(client, users, submitted_b):
    login(client, users["x"])
    assert client.get(reverse("applications:review", args=[submitted_b.pk])).status_code == 404
    assert client.post(reverse("applications:review", args=[submitted_b.pk]),
                       {"action": "township_recommend"}).status_code == 404
    evidence = _evidence(submitted_b)
    assert client.get(reverse("applications:evidence_download", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("applications:section", args=[submitted_b.pk, "basic"])).status_code == 404
    assert client.get(reverse("applications:verdict_json", args=[submitted_b.pk])).status_code == 404
    submitted_b.refresh_from_db()
    assert submitted_b.status == "submitted"


def test_start_needs_an_enterprise_user(client, users, call):
    for role in ("x", "city"):
        assert _status(client, users[role], "post", reverse("applications:start"), {"call": call.code}) == 403
    assert _status(client, None, "post", reverse("applications:start"), {"call": call.code}) == 302
