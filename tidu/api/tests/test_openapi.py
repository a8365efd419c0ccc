"""The OpenAPI document and its documentation page: served without a token, the interchange schema referenced
from its own file (not copied), and the page's scripts from this site (no CDN, no inline script)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tidu.eligibility import interchange

pytestmark = pytest.mark.django_db


def test_the_openapi_document_reuses_the_interchange_schema_and_declares_bearer_auth(client):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    components = document["components"]
    schemas = components["schemas"]
    assert schemas["InterchangeApplication"]["properties"].keys() == interchange.schema()["properties"].keys()
    assert all(f"Interchange_{name}" in schemas for name in interchange.schema()["$defs"])
    assert "#/$defs/" not in str(schemas["InterchangeApplication"])  # every reference resolves in this document
    body = document["paths"]["/api/evaluate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/InterchangeApplication"}
    assert any(s.get("scheme") == "bearer" for s in components["securitySchemes"].values())


def test_the_docs_page_loads_its_assets_from_this_site(client):
    response = client.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html) + re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    inline = re.findall(r"<script(?![^>]*src=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in inline)  # data only, never run
    assert "script-src" in response.get("Content-Security-Policy", "")


def test_the_documents_words_follow_the_readers_language(client):
    """Summaries, descriptions, tags and field descriptions are translatable: an English reader gets the
    catalogue's English (here given by the test, as the catalogue is filled after merging)."""
    chinese = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    operation = chinese["paths"]["/api/batches"]["post"]
    assert operation["summary"] == "批量办理（受理、形式审查通过/不通过）" and operation["tags"] == ["办理（市经信局）"]
    field = chinese["components"]["schemas"]["ActionIn"]["properties"]["expert_id"]["description"]
    with translation.override("en"):
        english = {msgid: translation.gettext(msgid) for msgid in (operation["summary"], "办理（市经信局）", field,
                                                                   "tidu 开放接口")}
    assert all(english[msgid] != msgid for msgid in english)  # the catalogue holds each of them
    document = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    operation = document["paths"]["/api/batches"]["post"]
    assert (operation["summary"], operation["tags"], document["info"]["title"]) == (
        english["批量办理（受理、形式审查通过/不通过）"], [english["办理（市经信局）"]], english["tidu 开放接口"])
    assert document["components"]["schemas"]["ActionIn"]["properties"]["expert_id"]["description"] == english[field]
