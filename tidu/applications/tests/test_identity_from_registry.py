"""Identity from the registry, not the form: an enterprise cannot put another company's name, credit code,
region or industry into 基本信息 — what it posts for them is ignored, the submission and every document carry
the confirmed enterprise record, and a change goes through the registration (here: the administrator's
correction, with its own audit row)."""

import pytest
from django.urls import reverse

from tidu import testing as build
from tidu.applications import services
from tidu.applications.models import Submission
from tidu.applications.tests.conftest import login
from tidu.core.models import AuditEntry
from tidu.documents.dossier import build_dossier
from tidu.enterprises.operations import EnterpriseCorrect

pytestmark = pytest.mark.django_db

FOREIGN = {"name": "湖北某龙头集团股份有限公司", "credit_code": "91420100177570439X",
           "registered_region": "湖北省武汉市", "industry_code": "C3911"}


def section_url(application, key="basic"):
    return reverse("applications:section", args=[application.pk, key])


def test_identity_fields_posted_by_the_enterprise_are_ignored(client, users, app_a):
    enterprise = app_a.enterprise
    login(client, users["a"])
    section = app_a.sections.get(key="basic")
    for url in (section_url(app_a), reverse("applications:autosave", args=[app_a.pk, "basic"])):
        client.post(url, {"base_revision": str(section.revision), **section.data, **FOREIGN,
                          "competitiveness": "主导产品国内市场占有率第三"})
        section.refresh_from_db()
        assert section.data["competitiveness"] == "主导产品国内市场占有率第三"  # the rest was saved
        for field, value in FOREIGN.items():
            assert section.data[field] == getattr(enterprise, field) != value


def test_the_section_shows_identity_read_only(client, users, app_a):
    login(client, users["a"])
    page = client.get(section_url(app_a)).content.decode()
    assert f'value="{app_a.enterprise.name}" class="registry-value" readonly' in page
    for field in FOREIGN:
        assert f'name="{field}"' not in page
    assert "来自企业注册信息，不在此修改" in page
    assert 'name="competitiveness"' in page


def test_a_typed_identity_from_an_older_draft_never_reaches_the_submission_or_the_documents(app_a, users):
    build.fill_complete_application(app_a, users["a"])
    basic = app_a.sections.get(key="basic")
    basic.data = {**basic.data, **FOREIGN}  # as stored before identity came from the registry
    basic.save()
    build.submitted(app_a, user=users["a"], key="submit-identity", fill=False)
    submission = Submission.objects.get(application=app_a)
    enterprise = app_a.enterprise
    assert submission.snapshot["sections"]["basic"]["name"] == enterprise.name
    assert submission.snapshot["interchange"]["enterprise"]["credit_code"] == enterprise.credit_code
    row = AuditEntry.objects.get(action="submit", application_id=app_a.pk)
    assert row.detail["identity_from_registry"]["name"] == [FOREIGN["name"], enterprise.name]
    dossier = build_dossier(app_a)
    assert (dossier.cover.enterprise_name, dossier.cover.credit_code) == (enterprise.name, enterprise.credit_code)
    assert FOREIGN["name"] not in str(dossier)


def test_a_registration_correction_is_what_the_next_save_carries(app_a, users):
    admin = build.admin()
    EnterpriseCorrect(app_a.enterprise, name="天门市华楚精密机械股份有限公司").execute(admin)
    assert AuditEntry.objects.filter(action="enterprise.correct").count() == 1
    section = app_a.sections.get(key="basic")
    services.application_section_save(application=app_a, key="basic", data={**section.data, "name": "别的名字"},
                                      base_revision=section.revision, user=users["a"])
    assert app_a.sections.get(key="basic").data["name"] == "天门市华楚精密机械股份有限公司"
