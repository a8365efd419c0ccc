"""Fixtures for documents: an organisation tree, users of every role, the 2026 call, complete applications.

Township X (竟陵街道办事处) has enterprise A; township Y (岳口镇) has enterprise B. Applications are
built with ``tidu.testing`` (filled completely) and submitted inside the window.
Files go to a temporary MEDIA_ROOT; tasks run with the ImmediateBackend unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tidu import testing as build
from tidu.accounts.models import Organisation, User
from tidu.applications import services as app_services
from tidu.enterprises.models import Enterprise
from tidu.policy.models import Call

BEIJING = ZoneInfo("Asia/Shanghai")
IN_WINDOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=BEIJING)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _media_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = IMMEDIATE


@pytest.fixture
def call(db) -> Call:
    return build.load_call()


@pytest.fixture
def orgs(db):
    return {"city": build.city_bureau(), "x": build.unit("竟陵街道办事处"),
            "y": build.unit("岳口镇人民政府", Organisation.Kind.TOWNSHIP)}


def make_enterprise(unit, name, code) -> Enterprise:
    return build.enterprise(unit, name, credit_code=code, contact_email="")


@pytest.fixture
def enterprises(orgs):
    return {
        "a": make_enterprise(orgs["x"], "天门市华楚精密机械有限公司", "91429006MA49ABCD1X"),
        "b": make_enterprise(orgs["y"], "天门市岳口纺织有限公司", "91429006MA49ABCD2Y"),
    }


def make_user(username, role, organisation):
    return build.user(username, role, organisation)


@pytest.fixture
def users(orgs, enterprises):
    return {
        "a": make_user("ent_a", User.Role.ENTERPRISE, enterprises["a"].organisation),
        "b": make_user("ent_b", User.Role.ENTERPRISE, enterprises["b"].organisation),
        "x": make_user("town_x", User.Role.TOWNSHIP, orgs["x"]),
        "y": make_user("town_y", User.Role.TOWNSHIP, orgs["y"]),
        "city": make_user("city", User.Role.CITY, orgs["city"]),
        "expert": make_user("expert", User.Role.EXPERT, None),
    }


def start(enterprise, call, user):
    return build.application(enterprise, call=call, user=user)


def submit(application, user, when=IN_WINDOW):
    return build.submitted(application, user=user, now=when, fill=False)


@pytest.fixture
def draft_a(call, enterprises, users):
    return build.application(enterprises["a"], call=call, user=users["a"], filled=True)


@pytest.fixture
def submitted_a(draft_a, users):
    submit(draft_a, users["a"])
    draft_a.refresh_from_db()
    return draft_a


@pytest.fixture
def submitted_b(call, enterprises, users):
    application = build.application(enterprises["b"], call=call, user=users["b"], filled=True)
    submit(application, users["b"])
    application.refresh_from_db()
    return application


def listed(application, opinion: str):
    """Recommended by its township and on the unit's 推荐名单, signed and sent with ``opinion``."""
    build.transition(application, "township_recommend", "township")
    build.put_on_sent_list(application, opinions={application.pk: opinion})
    application.refresh_from_db()
    return application


@pytest.fixture
def listed_a(submitted_a, users):
    return listed(submitted_a, "该企业数字化改造成效明显，同意推荐。")


@pytest.fixture
def listed_b(submitted_b, users):
    return listed(submitted_b, "岳口镇同意推荐该企业。")


def save_section(application, key, data, user):
    section = application.sections.get(key=key)
    return app_services.application_section_save(application=application, key=key, data=data,
                                                 base_revision=section.revision, user=user)


def pdf_text(data: bytes) -> list[str]:
    """Each page's extracted text with whitespace removed (pypdf puts spaces between CJK and Latin runs)."""
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages]


def embedded_font_files(data: bytes) -> set[str]:
    """Which /FontFile* streams the PDF's font descriptors carry."""
    reader = PdfReader(io.BytesIO(data))
    found: set[str] = set()

    def visit(font):
        font = font.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None:
            descriptor = descriptor.get_object()
            found.update(key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor)
        for child in font.get("/DescendantFonts", []) or []:
            visit(child)

    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        if fonts is None:
            continue
        for font in fonts.get_object().values():
            visit(font)
    return found


def outline_titles(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    titles: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(item.title))

    walk(reader.outline)
    return titles
