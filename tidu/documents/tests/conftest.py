"""Fixtures for documents: an organisation tree, users of every role, the 2026 call, complete applications.

Township X (竟陵街道办事处) has enterprise A; township Y (岳口镇) has enterprise B. Applications are
filled with ``tidu.applications.testing.fill_complete_application`` and submitted inside the window.
Files go to a temporary MEDIA_ROOT; tasks run with the ImmediateBackend unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from tidu.accounts.models import Organisation, User
from tidu.applications import services as app_services
from tidu.applications.testing import fill_complete_application
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
    call_command("load_policy", verbosity=0, stdout=io.StringIO())
    return Call.objects.get(code="tianmen-2026-basic")


@pytest.fixture
def orgs(db):
    city = Organisation.objects.create(name="天门市经济和信息化局", kind=Organisation.Kind.CITY_BUREAU)
    x = Organisation.objects.create(name="竟陵街道办事处", kind=Organisation.Kind.SUBDISTRICT)
    y = Organisation.objects.create(name="岳口镇人民政府", kind=Organisation.Kind.TOWNSHIP)
    return {"city": city, "x": x, "y": y}


def make_enterprise(unit, name, code) -> Enterprise:
    node = Organisation.objects.create(name=name, kind=Organisation.Kind.ENTERPRISE, parent=unit)
    return Enterprise.objects.create(
        organisation=node, name=name, credit_code=code, industry_code="C3484", contact_name="王立新",
        contact_phone="13872800001", legal_representative="李强", status=Enterprise.Status.CONFIRMED)


@pytest.fixture
def enterprises(orgs):
    return {
        "a": make_enterprise(orgs["x"], "天门市华楚精密机械有限公司", "91429006MA49ABCD1X"),
        "b": make_enterprise(orgs["y"], "天门市岳口纺织有限公司", "91429006MA49ABCD2Y"),
    }


def make_user(username, role, organisation):
    return User.objects.create_user(username=username, password="pw-not-used-123", role=role,
                                    organisation=organisation)


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
    return app_services.application_start(enterprise=enterprise, call=call, tier="basic", user=user)


def submit(application, user, when=IN_WINDOW):
    return app_services.application_submit(application=application, user=user, idempotency_key=uuid.uuid4().hex,
                                           now=when)


@pytest.fixture
def draft_a(call, enterprises, users):
    application = start(enterprises["a"], call, users["a"])
    return fill_complete_application(application, users["a"])


@pytest.fixture
def submitted_a(draft_a, users):
    submit(draft_a, users["a"])
    draft_a.refresh_from_db()
    return draft_a


@pytest.fixture
def submitted_b(call, enterprises, users):
    application = fill_complete_application(start(enterprises["b"], call, users["b"]), users["b"])
    submit(application, users["b"])
    application.refresh_from_db()
    return application


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
