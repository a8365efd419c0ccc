"""Section revisions: every save is kept; the city compares two revisions on request; drafts stay private."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tidu.applications import services
from tidu.applications.models import SectionRevision
from tidu.applications.tests.conftest import login
from tidu.applications.workflow import State
from tidu.review.tests.lifecycle import drive_to, submit

pytestmark = pytest.mark.django_db


def history_url(application, key):
    return reverse("applications:section_history", args=[application.pk, key])


def save_scope(application, user, **changes):
    row = application.sections.get(key="scope")
    services.application_section_save(application=application, key="scope", data={**row.data, **changes},
                                      base_revision=row.revision, user=user)


def test_the_city_sees_which_fields_changed_between_two_revisions(client, app_a, users):
    drive_to(app_a, State.RETURNED)  # the township returned 企业基本情况 (basic)
    row = app_a.sections.get(key="basic")
    services.application_section_save(application=app_a, key="basic", user=users["a"],
                                      data={**row.data, "employees": "300"}, base_revision=row.revision)
    revisions = list(SectionRevision.objects.filter(section=row).order_by("revision"))
    assert revisions[-1].changed == ["employees"] and len(revisions) >= 2
    submit(app_a)

    login(client, users["city"])
    review = client.get(reverse("applications:review", args=[app_a.pk])).content.decode()
    assert history_url(app_a, "basic") in review
    page = client.get(history_url(app_a, "basic")).content.decode()
    assert "修改记录" in page
    assert "260" in page and "300" in page  # old → new
    assert users["a"].display_name in page
    fragment = client.get(history_url(app_a, "basic") + f"?a={revisions[0].revision}&b={revisions[-1].revision}",
                          HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<section class="card section-diff"') and "300" in fragment


def test_only_the_city_and_never_a_draft(client, app_a, users):
    save_scope(app_a, users["a"], project_name="草稿里的项目")
    assert SectionRevision.objects.filter(section__application=app_a).exists()
    login(client, users["city"])
    assert client.get(history_url(app_a, "scope")).status_code == 404  # drafts never leave the enterprise
    for key in ("a", "b", "x"):
        login(client, users[key])
        assert client.get(history_url(app_a, "scope")).status_code == 403
    login(client, users["city"])
    page = client.get(reverse("applications:review", args=[app_a.pk]))
    assert page.status_code == 404


def test_saving_what_is_already_saved_keeps_no_empty_revision_and_no_audit_row(app_a, users):
    """The save button right after the tab's own autosave used to add a revision with no change (shown as —)."""
    from tidu.applications import services
    from tidu.applications.models import SectionRevision
    from tidu.core.models import AuditEntry

    section = app_a.sections.get(key="organisation")
    data = {"description": "设立智能制造推进办公室", "talent_count": "12", "has_mechanism": "yes"}
    saved = services.application_section_save(application=app_a, key="organisation", data=data,
                                              base_revision=section.revision, user=users["a"], editor_token="tab-1")
    revisions, rows = SectionRevision.objects.count(), AuditEntry.objects.count()
    again = services.application_section_save(application=app_a, key="organisation", data=dict(data),
                                              base_revision=section.revision, user=users["a"], editor_token="tab-1")
    assert again.revision == saved.revision
    assert (SectionRevision.objects.count(), AuditEntry.objects.count()) == (revisions, rows)
