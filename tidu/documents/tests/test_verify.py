"""The public verify page: which submitted version a printed 校验码 belongs to, and whether it is current."""

import pytest
from django.urls import reverse

from tidu.applications import services as app_services
from tidu.documents.dossier import build_dossier
from tidu.documents.tests.conftest import save_section, submit
from tidu.documents.verification import mask_enterprise_name, verification_code

pytestmark = pytest.mark.django_db


def test_mask_keeps_enough_to_recognise():
    assert mask_enterprise_name("天门市华楚精密机械有限公司") == "天门市华楚****有限公司"
    assert mask_enterprise_name("湖北天门纺织股份有限公司") == "湖北天门****股份有限公司"
    assert mask_enterprise_name("华楚厂") == "华****厂"
    assert mask_enterprise_name("甲") == "****"


def test_code_depends_on_application_and_content(settings):
    code = verification_code(1, "a" * 64)
    assert len(code) == 10 and code.isalnum() and code == code.upper()
    assert verification_code(1, "a" * 64) == code
    assert verification_code(2, "a" * 64) != code
    assert verification_code(1, "b" * 64) != code
    settings.SECRET_KEY = "another-key"
    assert verification_code(1, "a" * 64) != code


def test_a_current_code_is_confirmed_without_showing_content(client, submitted_a):
    code = build_dossier(submitted_a).cover.verification_code
    submission = submitted_a.submissions.get()
    response = client.get(reverse("documents:verify", args=[code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert submission.number in page
    assert "天门市华楚****有限公司" in page
    assert "与当前提交版本一致" in page
    assert "2026年3月10日 10:30" in page  # dates as the reader's language writes them (北京时间)
    for secret in ("天门市华楚精密机械有限公司", "91429006MA49ABCD1X", "视觉检测", "13872800001"):
        assert secret not in page
    # Lower case and dashes, as people copy codes, are accepted.
    lowered = code[:5].lower() + "-" + code[5:].lower()
    assert client.get(reverse("documents:verify", args=[lowered])).status_code == 200
    client.cookies["django_language"] = "en"
    assert "10 Mar 2026 10:30" in client.get(reverse("documents:verify", args=[code])).content.decode()
    assert client.get(reverse("documents:verify_form"), {"code": lowered}).status_code == 302
    # Base32 has no 0, 1 or 8: read as O, I and B when people copy the code by hand.
    misread = code.translate(str.maketrans("OIB", "018"))
    assert client.get(reverse("documents:verify", args=[misread])).status_code == 200


def test_after_a_changed_resubmission_the_old_code_is_not_current(client, submitted_a, users):
    old_code = build_dossier(submitted_a).cover.verification_code
    old_number = submitted_a.submissions.get().number
    app_services.application_transition(application=submitted_a, action="township_return", user=users["x"],
                                        section_reasons={"organisation": "请补充人才情况"})
    submitted_a.refresh_from_db()
    data = submitted_a.sections.get(key="organisation").data
    save_section(submitted_a, "organisation", {**data, "talent_count": "30"}, users["a"])
    submit(submitted_a, users["a"])
    new_code = build_dossier(submitted_a).cover.verification_code
    assert new_code != old_code

    old = client.get(reverse("documents:verify", args=[old_code])).content.decode()
    assert old_number in old and "不是当前提交版本" in old
    new_number = submitted_a.submissions.order_by("-submitted_at", "-pk").first().number
    assert new_number in old  # it points to the current receipt
    new = client.get(reverse("documents:verify", args=[new_code])).content.decode()
    assert "与当前提交版本一致" in new and new_number in new


def test_unknown_or_malformed_codes_are_not_found(client, submitted_a):
    for code in ("AAAAAAAAAA", "NOTACODE", "1234567890", "<script>"):
        response = client.get(reverse("documents:verify", args=[code]))
        assert response.status_code == 404
        assert "未找到" in response.content.decode()


def test_a_draft_code_is_never_issued(client, draft_a):
    assert build_dossier(draft_a).cover.verification_code == ""
