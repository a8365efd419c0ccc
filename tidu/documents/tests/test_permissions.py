"""Every document view is scoped: anonymous → login; another enterprise, another township, an expert → 404."""

import pytest
from django.urls import reverse

from tidu.documents import services
from tidu.documents.models import DocumentJob

pytestmark = pytest.mark.django_db

GET_VIEWS = ("documents:dossier", "documents:application_pdf", "documents:application_docx",
             "documents:summary_row_xlsx", "documents:summary_row_pdf")
CONTENT_TYPES = {
    "documents:dossier": "text/html",
    "documents:application_pdf": "application/pdf",
    "documents:application_docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "documents:summary_row_xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "documents:summary_row_pdf": "application/pdf",
}


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("name", GET_VIEWS)
def test_anonymous_is_sent_to_login(client, submitted_a, name):
    assert login_url_in(client.get(reverse(name, args=[submitted_a.pk])))


def test_anonymous_cannot_start_or_see_jobs(client, submitted_a, users):
    assert login_url_in(client.post(reverse("documents:bound_start", args=[submitted_a.pk])))
    job = DocumentJob.objects.create(kind=DocumentJob.Kind.BOUND_DOSSIER, application=submitted_a,
                                     created_by=users["a"])
    for name in ("documents:job", "documents:job_status", "documents:job_download"):
        assert login_url_in(client.get(reverse(name, args=[job.pk])))
    assert login_url_in(client.get(reverse("documents:summary_export", args=[submitted_a.call_id])))


@pytest.mark.parametrize("name", GET_VIEWS)
@pytest.mark.parametrize("who", ["b", "y", "expert"])
def test_others_get_404(client, submitted_a, users, name, who):
    client.force_login(users[who])
    assert client.get(reverse(name, args=[submitted_a.pk])).status_code == 404


@pytest.mark.parametrize("who", ["b", "y", "expert"])
def test_others_cannot_start_a_bound_dossier(client, submitted_a, users, who):
    client.force_login(users[who])
    assert client.post(reverse("documents:bound_start", args=[submitted_a.pk])).status_code == 404
    assert not DocumentJob.objects.exists()


@pytest.mark.parametrize("name", GET_VIEWS)
@pytest.mark.parametrize("who", ["a", "x", "city"])
def test_own_enterprise_its_township_and_the_city_may_download(client, submitted_a, users, name, who):
    client.force_login(users[who])
    response = client.get(reverse(name, args=[submitted_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(CONTENT_TYPES[name])


def test_a_job_belongs_to_whoever_started_it(client, submitted_a, users):
    job = services.start_bound_dossier(submitted_a, users["a"])
    assert job.status == DocumentJob.Status.DONE
    for who in ("b", "x", "expert"):
        client.force_login(users[who])
        for name in ("documents:job", "documents:job_status", "documents:job_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404
    client.force_login(users["a"])
    assert client.get(reverse("documents:job_download", args=[job.pk])).status_code == 200


def test_the_verify_page_needs_no_login(client):
    assert client.get(reverse("documents:verify_form")).status_code == 200
