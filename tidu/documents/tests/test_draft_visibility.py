"""Drafts never leave the enterprise: no page, download, bound dossier, job result or export of a draft for
its township, the city or 系统管理员; and 系统管理员 sees no application content at all."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tidu.accounts.models import User
from tidu.applications.testing import minimal_pdf_bytes
from tidu.documents import selectors, services
from tidu.documents.models import DocumentJob

from .conftest import make_user

pytestmark = pytest.mark.django_db

DOCUMENT_URLS = ("documents:dossier", "documents:application_pdf", "documents:application_docx",
                 "documents:summary_row_xlsx", "documents:summary_row_pdf")


@pytest.fixture
def admin(db):
    return make_user("root", User.Role.ADMIN, None)


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_a_draft_s_documents_are_its_enterprise_s_only(client, draft_a, users, admin, name):
    url = reverse(name, args=[draft_a.pk])
    for who in (users["x"], users["city"], admin, users["y"], users["b"], users["expert"]):
        client.force_login(who)
        assert client.get(url).status_code == 404, who.username
    client.force_login(users["a"])
    assert client.get(url).status_code == 200


def test_nobody_else_can_bind_a_draft_with_its_evidence(client, draft_a, users, admin):
    for who in (users["x"], users["city"], admin):
        client.force_login(who)
        assert client.post(reverse("documents:bound_start", args=[draft_a.pk])).status_code == 404
        with pytest.raises(services.JobRefused):
            services.start_bound_dossier(draft_a, who)
    assert not DocumentJob.objects.exists()


def test_a_job_is_checked_again_when_it_runs(draft_a, users):
    """A job row for something its creator may not see (e.g. queued before the rule) is refused, not rendered."""
    job = DocumentJob.objects.create(kind=DocumentJob.Kind.BOUND_DOSSIER, application=draft_a, call=draft_a.call,
                                     created_by=users["x"])
    assert services.run_job(job.pk) == {"status": "refused"}
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.FAILED and not job.result and "无权" in job.message


def test_a_job_result_is_downloadable_only_while_its_creator_may_see_the_object(client, draft_a, users):
    legacy = DocumentJob.objects.create(kind=DocumentJob.Kind.BOUND_DOSSIER, application=draft_a, call=draft_a.call,
                                        created_by=users["x"], status=DocumentJob.Status.DONE,
                                        result_name="申报材料（装订版）.pdf")
    legacy.result.save("legacy.pdf", ContentFile(minimal_pdf_bytes()), save=True)
    client.force_login(users["x"])
    for name in ("documents:job", "documents:job_status", "documents:job_download"):
        assert client.get(reverse(name, args=[legacy.pk])).status_code == 404
    own = services.start_bound_dossier(draft_a, users["a"])  # the enterprise may bind its own draft
    assert own.status == DocumentJob.Status.DONE
    client.force_login(users["a"])
    assert client.get(reverse("documents:job_download", args=[own.pk])).status_code == 200
    client.force_login(users["x"])
    assert client.get(reverse("documents:job_download", args=[own.pk])).status_code == 404


def test_a_summary_export_leaves_drafts_out_and_refuses_them_by_id(client, draft_a, listed_b, users):
    client.force_login(users["city"])
    page = client.get(reverse("documents:summary_export", args=[draft_a.call_id])).content.decode()
    assert draft_a.enterprise.name not in page and listed_b.enterprise.name in page
    with pytest.raises(services.JobRefused):
        services.start_summary_export(call=draft_a.call, user=users["city"], application_ids=[draft_a.pk],
                                      unit_name="")
    client.post(reverse("documents:summary_export", args=[draft_a.call_id]), {"format": "xlsx"})
    job = DocumentJob.objects.get()
    assert job.params["application_ids"] == [listed_b.pk]


def test_admin_sees_no_application_content(client, submitted_a, users, admin):
    """系统管理员 is not a business role (separation of duties): no page, document or export of an application."""
    client.force_login(admin)
    for name in DOCUMENT_URLS:
        assert client.get(reverse(name, args=[submitted_a.pk])).status_code == 404, name
    for name in ("applications:status", "applications:receipt"):
        args = [submitted_a.pk] if name == "applications:status" else [submitted_a.pk,
                                                                        submitted_a.latest_submission().number]
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.get(reverse("documents:summary_export", args=[submitted_a.call_id])).status_code == 404
    for name in ("review:intake", "applications:all_list", "enterprises:all_enterprises", "experts:home",
                 "onsite:home", "publicity:manage_list", "dashboards:overview"):
        assert client.get(reverse(name)).status_code == 403, name
    job = services.start_bound_dossier(submitted_a, users["city"])
    assert client.get(reverse("documents:job_download", args=[job.pk])).status_code == 404
    assert not selectors.can_view_dossier(admin, submitted_a)
    # … while the configuration pages stay open to it
    assert client.get(reverse("documents:templates")).status_code == 200
