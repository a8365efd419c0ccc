"""A trusted intermediary: the enterprise lets an officer of its unit prepare its application. The officer fills
sections and uploads evidence (recorded as done on the enterprise's behalf); the enterprise signs the 真实性承诺
and submits itself; without (or after revoking) the delegation the draft is the enterprise's own again."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu import testing
from tidu.applications import selectors as application_selectors
from tidu.applications import services as application_services
from tidu.applications.errors import ApplicationError
from tidu.applications.evidence import evidence_upload
from tidu.core.models import AuditEntry
from tidu.enterprises import operations
from tidu.enterprises.errors import EnterpriseError
from tidu.enterprises.models import Delegation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    call = testing.load_call()
    park = testing.unit("天门经济开发区")
    other = testing.unit("竟陵街道办事处")
    enterprise = testing.enterprise(park, "开发区示例机械有限公司")
    owner = testing.enterprise_user(enterprise, "owner")
    return {"call": call, "park": park, "enterprise": enterprise, "owner": owner,
            "officer": testing.officer(park, "park1", "刘经办"), "colleague": testing.officer(park, "park2"),
            "stranger": testing.officer(other, "town9")}


def _grant(world, grantee=None):
    return operations.EnterpriseGrantDelegation(world["enterprise"],
                                                grantee=grantee or world["officer"]).execute(world["owner"])


def _save(application, key, data, user):
    row = application.sections.get(key=key)
    return application_services.application_section_save(application=application, key=key, data=data,
                                                          base_revision=row.revision, user=user)


def test_without_a_delegation_the_draft_is_the_enterprises_own(world):
    draft = testing.application(world["enterprise"], user=world["owner"])
    assert not application_selectors.applications_visible_to(world["officer"]).filter(pk=draft.pk).exists()
    with pytest.raises(PermissionDenied):
        _save(draft, "organisation", {"description": "代填"}, world["officer"])


def test_a_delegate_prepares_the_draft_on_the_enterprises_behalf_and_the_enterprise_signs_and_submits(world, client):
    delegation = _grant(world)
    assert AuditEntry.objects.filter(action="enterprise.grant_delegation", detail__delegation_id=delegation.pk).exists()

    # The officer opens the enterprise's draft from the enterprise's page…
    client.force_login(world["officer"])
    page = client.get(reverse("enterprises:enterprise_detail", args=[world["enterprise"].pk])).content.decode()
    assert "本企业已委托您代为填报" in page
    response = client.post(reverse("applications:start"), {"enterprise": world["enterprise"].pk,
                                                           "call": world["call"].code})
    assert response.status_code == 302
    draft = world["enterprise"].applications.get()
    created = AuditEntry.objects.get(action="create", application_id=draft.pk)
    assert created.actor == world["officer"] and created.detail["on_behalf_of"] == world["enterprise"].name

    # …fills every section but the 真实性承诺, each save recorded as on the enterprise's behalf…
    data = testing.complete_section_data(draft)
    for key, values in data.items():
        if key != "attestation":
            _save(draft, key, values, world["officer"])
    saves = AuditEntry.objects.filter(action="application.section_save", application_id=draft.pk)
    assert saves.count() == len(data) - 1
    assert {entry.detail.get("on_behalf_of") for entry in saves} == {world["enterprise"].name}
    assert client.get(reverse("applications:section", args=[draft.pk, "basic"])).status_code == 200
    upload = SimpleUploadedFile("自评估报告.pdf", testing.minimal_pdf_bytes("自评估报告"), content_type="application/pdf")
    evidence_upload(application=draft, section="maturity", topic="maturity_report", upload=upload,
                    user=world["officer"])
    uploaded = AuditEntry.objects.get(action="application.evidence_upload", application_id=draft.pk)
    assert uploaded.actor == world["officer"] and uploaded.detail["on_behalf_of"] == world["enterprise"].name

    # …but cannot sign the 真实性承诺, nor submit.
    with pytest.raises(ApplicationError) as refused:
        _save(draft, "attestation", data["attestation"], world["officer"])
    assert "真实性承诺须由申报企业本身签署" in refused.value.message
    assert client.get(reverse("applications:submit", args=[draft.pk])).status_code == 403

    # The enterprise signs and submits its application.
    _save(draft, "attestation", data["attestation"], world["owner"])
    testing.submitted(draft, user=world["owner"], fill=False)
    draft.refresh_from_db()
    assert draft.submissions.get().submitted_by == world["owner"]


def test_a_colleague_without_the_delegation_and_another_units_officer_see_nothing(world, client):
    _grant(world)
    draft = testing.application(world["enterprise"], user=world["owner"])
    for outsider in (world["colleague"], world["stranger"]):
        client.force_login(outsider)
        assert client.get(reverse("applications:section", args=[draft.pk, "basic"])).status_code == 404
        assert client.post(reverse("applications:start"), {"enterprise": world["enterprise"].pk,
                                                           "call": world["call"].code}).status_code in (403, 404)


def test_only_an_active_officer_of_the_enterprises_own_unit_can_be_delegated(world):
    with pytest.raises(EnterpriseError) as refused:
        _grant(world, world["stranger"])
    assert "只能委托本企业所属乡镇" in refused.value.message
    _grant(world)
    with pytest.raises(EnterpriseError):
        _grant(world)  # not twice
    with pytest.raises(PermissionDenied):  # only the enterprise itself delegates
        operations.EnterpriseGrantDelegation(world["enterprise"], grantee=world["colleague"]).execute(world["officer"])


def test_revoking_ends_access_at_once(world, client):
    delegation = _grant(world)
    draft = testing.application(world["enterprise"], user=world["owner"])
    client.force_login(world["officer"])
    assert client.get(reverse("applications:section", args=[draft.pk, "basic"])).status_code == 200
    client.force_login(world["owner"])
    response = client.post(reverse("enterprises:delegation"), {"revoke": delegation.pk})
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_by == world["owner"] and not delegation.is_active
    client.force_login(world["officer"])
    assert client.get(reverse("applications:section", args=[draft.pk, "basic"])).status_code == 404
    with pytest.raises(PermissionDenied):
        _save(draft, "organisation", {"description": "代填"}, world["officer"])
    assert Delegation.objects.count() == 1  # revoked, kept on record


def test_the_enterprise_grants_from_its_page(world, client):
    client.force_login(world["owner"])
    page = client.get(reverse("enterprises:my_enterprise")).content.decode()
    assert "委托代为填报" in page and "刘经办" in page
    client.post(reverse("enterprises:delegation"), {"grantee": world["officer"].pk})
    assert Delegation.objects.get().grantee == world["officer"]
    response = client.post(reverse("enterprises:delegation"), {"grantee": world["stranger"].pk}, follow=True)
    assert "只能委托本企业所属乡镇" in response.content.decode()


def test_the_delegate_sees_the_attestation_read_only_with_the_reason_and_the_enterprise_sees_it_open(world, client):
    _grant(world)
    draft = testing.application(world["enterprise"], user=world["owner"])
    url = reverse("applications:section", args=[draft.pk, "attestation"])
    client.force_login(world["officer"])
    page = client.get(url).content.decode()
    assert "真实性承诺须由申报企业本身签署" in page and "save-refusal" in page
    assert "hx-post" not in page  # no autosave: nothing to type that would be refused on save
    other = client.get(reverse("applications:section", args=[draft.pk, "organisation"])).content.decode()
    assert "hx-post" in other and "save-refusal" not in other  # the other parts stay open to the delegate
    client.force_login(world["owner"])
    own = client.get(url).content.decode()
    assert "hx-post" in own and "save-refusal" not in own
