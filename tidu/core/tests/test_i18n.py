"""The English interface: chrome in English when the visitor chose it, Chinese by default, a complete catalogue.

msgids are the Chinese source strings (Chinese-first); the English lives in tidu/locale/en/LC_MESSAGES.
Policy content (clause texts, scenario and KPI names, section titles) stays Chinese in both languages,
so these tests look at the chrome only.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tidu.accounts.models import Organisation, User
from tidu.applications import services
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call

LOCALE_DIR = Path(settings.BASE_DIR) / "tidu" / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


@pytest.fixture(autouse=True)
def _back_to_default_language():
    """A request in English leaves English active in this thread; later tests expect the default (Chinese)."""
    yield
    translation.deactivate()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def call(db) -> Call:
    call_command("load_policy", verbosity=0, stdout=io.StringIO())
    return Call.objects.get(code="tianmen-2026-basic")


@pytest.fixture
def enterprise_user(db):
    unit = Organisation.objects.create(name="竟陵街道办事处", kind=Organisation.Kind.SUBDISTRICT)
    node = Organisation.objects.create(name="天门市华楚精密机械有限公司", kind=Organisation.Kind.ENTERPRISE,
                                       parent=unit)
    enterprise = Enterprise.objects.create(
        organisation=node, name=node.name, credit_code="91429006MA49ABCD1X", industry_code="C3484",
        contact_name="王立新", contact_phone="13872800001", contact_email="contact@example.com",
        status=Enterprise.Status.CONFIRMED)
    user = User.objects.create_user(username="ent_a", password="pw-not-used-123", role=User.Role.ENTERPRISE,
                                    organisation=node, first_name="华楚填报员")
    return enterprise, user


# --- pages --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_home_page_in_english_and_in_chinese(client, call):
    zh = page(client, reverse("home"))
    assert 'lang="zh-hans"' in zh
    assert "申报批次" in zh and "企业登记" in zh and "登录" in zh
    assert "Calls" not in zh and "Log in" not in zh

    en = page(english(client), reverse("home"))
    assert 'lang="en"' in en
    for text in ("Calls", "Log in", "Enterprise registration", "Application period",
                 "Tiered Smart Factory Application and Evaluation Platform"):
        assert text in en, text
    for text in ("申报批次", "企业登记", "申报时间", "北京时间，含当日"):
        assert text not in en, text
    assert call.title in en  # the call's own title is policy content and stays Chinese


@pytest.mark.django_db
def test_set_language_view_switches_to_english(client, call):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert "Log in" in page(client, reverse("home"))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    assert "登录" in page(client, reverse("home"))


@pytest.mark.django_db
def test_call_detail_chrome_in_english_policy_text_in_chinese(client, call):
    url = reverse("policy:call_detail", args=[call.code])
    zh = page(client, url)
    for text in ("申报条件", "申报时间", "智能制造典型场景", "出处与可信度", "报送材料"):
        assert text in zh, text

    en = page(english(client), url)
    for text in ("Eligibility conditions", "Application period", "Typical smart manufacturing scenarios",
                 "Sources and confidence grades", "Documents to submit", "Receiving office",
                 "Reference key performance indicators for smart factories"):
        assert text in en, text
    for text in ("申报条件</h2>", "智能制造典型场景</h2>", "出处与可信度</h2>"):
        assert text not in en, text
    # Clause texts and scenario names come from the policy packs and stay as the policy says them.
    assert escape(call_policy_text(call)) in en


def call_policy_text(call) -> str:
    from tidu.policy.selectors import call_policy_for

    return call_policy_for(call).call.content["conditions"][0]["text"]


@pytest.mark.django_db
def test_login_page(client):
    zh = page(client, reverse("accounts:login"))
    assert "<h1>登录</h1>" in zh and "忘记密码？" in zh

    en = page(english(client), reverse("accounts:login"))
    assert "<h1>Log in</h1>" in en
    for text in ("Forgot your password?", "No account yet?", "Enterprise registration", "failed logins in a row"):
        assert text in en, text
    assert "忘记密码" not in en and "<h1>登录</h1>" not in en


@pytest.mark.django_db
def test_login_failure_message_in_english(client, enterprise_user):
    response = english(client).post(reverse("accounts:login"), {"username": "ent_a", "password": "wrong"})
    assert response.status_code == 200
    assert "Incorrect username or password." in response.content.decode()


@pytest.mark.django_db
def test_registration_page(client, enterprise_user):
    zh = page(client, reverse("enterprises:register"))
    for text in ("企业登记", "统一社会信用代码", "联系人", "提交登记", "登录账号"):
        assert text in zh, text

    en = page(english(client), reverse("enterprises:register"))
    for text in ("Enterprise registration", "Unified Social Credit Code", "Contact person", "Register",
                 "Login account", "Legal status", "Township, subdistrict office, farm or development zone",
                 "Fields marked", "Independent legal person"):
        assert text in en, text
    for text in ("统一社会信用代码", "提交登记", "法人类型", "独立法人"):
        assert text not in en, text


@pytest.mark.django_db
def test_registration_errors_in_english(client, enterprise_user):
    response = english(client).post(reverse("enterprises:register"), {"credit_code": "123", "contact_phone": "12"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please check the items marked in red below and submit again." in body
    assert "The Unified Social Credit Code has 18 characters; 3 were entered" in body
    assert "Invalid contact phone" in body


@pytest.mark.django_db
def test_application_section_page(client, call, enterprise_user):
    enterprise, user = enterprise_user
    application = services.application_start(enterprise=enterprise, call=call, tier="basic", user=user)
    client.force_login(user)
    url = reverse("applications:section", args=[application.pk, "basic"])

    zh = page(client, url)
    for text in ("保存", "保存并继续", "资格预判", "我的申报", "草稿", "工作台", "退出"):
        assert text in zh, text

    en = page(english(client), url)
    for text in (">Save<", "Save and continue", "Eligibility pre-check", "My applications", "Draft",
                 "Dashboard", "Log out", "Progress", "Check and submit", "Enterprise user"):
        assert text in en, text
    for text in (">保存<", "保存并继续", "资格预判", "我的申报", "检查并提交"):
        assert text not in en, text


@pytest.mark.django_db
def test_application_status_page_messages_in_english(client, call, enterprise_user):
    enterprise, user = enterprise_user
    application = services.application_start(enterprise=enterprise, call=call, tier="basic", user=user)
    client.force_login(user)
    en = page(english(client), reverse("applications:status", args=[application.pk]))
    for text in ("Current status", "Next steps", "Deadlines", "Enterprise application deadline",
                 "Draft application created", "Submit the application once everything is complete"):
        assert text in en, text


@pytest.mark.django_db
def test_public_notice_list_in_english_and_in_chinese(client):
    """The public 公示 page needs no login; its chrome follows the visitor's language."""
    url = reverse("publicity:public_list")
    zh = page(client, url)
    for text in ("<h1>公示公告</h1>", "正在公示", "目前没有正在公示的名单。", "往期公示与认定名单"):
        assert text in zh, text
    assert "Public notices" not in zh

    en = page(english(client), url)
    for text in ("<h1>Public notices</h1>", "Currently under notice", "No lists are under public notice at the moment.",
                 "Past notices and final lists", "all dates are Beijing time"):
        assert text in en, text
    for text in ("<h1>公示公告</h1>", "正在公示", "往期公示与认定名单"):
        assert text not in en, text


@pytest.mark.django_db
def test_notifications_page_in_english_and_in_chinese(client, enterprise_user):
    from tidu.notifications.models import Notification

    _, user = enterprise_user
    Notification.objects.create(recipient=user, kind="test", title="申报已受理", body="市经信局已受理您的申报。")
    client.force_login(user)
    url = reverse("notifications:list")
    zh = page(client, url)
    for text in ("<h1>通知</h1>", "1 条未读", "只看未读", "全部标为已读", "标为已读"):
        assert text in zh, text
    assert "Mark as read" not in zh

    en = page(english(client), url)
    for text in ("<h1>Notifications</h1>", "1 unread", "Unread only", "Mark all as read", "Mark as read"):
        assert text in en, text
    for text in ("<h1>通知</h1>", "只看未读", "全部标为已读"):
        assert text not in en, text
    assert "申报已受理" in en  # the notification itself was written in Chinese and stays so


# --- the catalogue ---------------------------------------------------------------------------------------

def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), flags. Enough for our own file."""
    entries, entry, field = [], None, None

    def new():
        return {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": [], "flags": set()}

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#,"):
            if entry is None or entry["msgid"] is not None:
                entry = new()
                entries.append(entry)
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            keyword, text = match.group(1), ast.literal_eval(match.group(2))
            if keyword in ("msgctxt", "msgid") and (entry is None or entry["msgid"] is not None
                                                     and (keyword == "msgctxt" or entry["msgstr"])):
                entry = new()
                entries.append(entry)
            if keyword.startswith("msgstr"):
                entry["msgstr"].append(text)
                field = ("msgstr", len(entry["msgstr"]) - 1)
            else:
                entry[keyword] = text
                field = (keyword, None)
            continue
        assert line.startswith('"'), f"unexpected line in {path.name}: {line}"
        text = ast.literal_eval(line)
        if field[0] == "msgstr":
            entry["msgstr"][field[1]] += text
        else:
            entry[field[0]] += text
    return entries


def catalogue() -> list[dict]:
    return [entry for entry in parse_po(PO_FILE) if entry["msgid"]]


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}")
TAG = re.compile(r"</?[a-z][^>]*>")


def test_po_file_has_no_untranslated_or_fuzzy_entries():
    entries = catalogue()
    assert len(entries) > 400
    header = [entry for entry in parse_po(PO_FILE) if entry["msgid"] == ""]
    assert header and "fuzzy" not in header[0]["flags"], "the header must not be fuzzy (msgfmt would drop it)"
    assert "charset=UTF-8" in header[0]["msgstr"][0]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert not fuzzy, fuzzy
    untranslated = [entry["msgid"] for entry in entries if not entry["msgstr"] or not all(entry["msgstr"])]
    assert not untranslated, untranslated


def test_translations_keep_placeholders_and_markup():
    for entry in catalogue():
        for source, translated in zip([entry["msgid"], entry["msgid_plural"] or entry["msgid"]],
                                      entry["msgstr"], strict=False):
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(translated)), entry["msgid"]
            assert sorted(TAG.findall(source)) == sorted(TAG.findall(translated)), entry["msgid"]
            assert not re.search(r"[\u4e00-\u9fff]", translated.replace("申报条件4", "")), entry["msgid"]


def test_compiled_catalogue_is_up_to_date():
    """The committed .mo says exactly what the .po says (fresh machines may have no msgfmt to rebuild it).

    Git does not keep file times, so "not older than the .po" is checked on the content: every entry of
    the .po must come out of the .mo unchanged.
    """
    assert MO_FILE.exists(), "run `cd tidu && ../.venv/bin/tidu compilemessages`"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue():
        key = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is not None:
            got = [compiled.ngettext(key, entry["msgid_plural"], n) for n in (1, 2)]
            if got != entry["msgstr"][:2]:
                stale.append(entry["msgid"])
        elif compiled._catalog.get(key) != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert not stale, f"django.mo is older than django.po; recompile. Differences: {stale[:5]}"
    assert len([k for k in compiled._catalog if k]) >= len(catalogue())


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_language_menu_names_each_language_in_itself(client, language):
    """On a Chinese page English was offered as “英语”: a reader with no Chinese could not find it."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    text = page(client, "/accounts/login/")
    assert '<option value="en" lang="en"' in text and ">English</option>" in text
    assert ">简体中文</option>" in text
    assert "英语" not in text and ">Simplified Chinese<" not in text
