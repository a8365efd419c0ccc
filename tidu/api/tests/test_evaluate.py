"""POST /api/evaluate: the same engine and the same verdict as `tidu evaluate --format json`, stateless, and
every bad document a clear Chinese 4xx (never a 500)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tidu import testing as build
from tidu.api.tests.conftest import auth, token
from tidu.applications.models import Application
from tidu.core.models import AuditEntry

pytestmark = pytest.mark.django_db

EXAMPLES = sorted((Path(build.__file__).resolve().parent / "eligibility" / "examples").glob("*.json"))


@pytest.fixture
def secret(db):
    build.load_call()
    return token(build.city_officer("city"), scopes=["evaluate"])


def _cli(path: Path) -> dict:
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("evaluate", str(path), "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def _evaluate(client, secret, body, **query):
    path = "/api/evaluate" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    data = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    return client.post(path, data=data, content_type="application/json", **auth(secret))


def test_every_example_gets_the_verdict_tidu_evaluate_prints(client, secret):
    audit_rows = AuditEntry.objects.count()
    for example in EXAMPLES:
        response = _evaluate(client, secret, example.read_text(encoding="utf-8"))
        assert response.status_code == 200, (example.name, response.json())
        assert response.json() == _cli(example), example.name
    # Stateless: nothing but the calls' own api.call rows (tidu.api.middleware) is written.
    assert not AuditEntry.objects.exclude(action="api.call").count() - audit_rows and not Application.objects.exists()


@pytest.mark.parametrize(("body", "status", "field", "words"), [
    ("{not json", 400, "（文件）", "不是有效的 JSON"),
    ("[" * 40 + "]" * 40, 400, "（文件）", "嵌套层数过多"),
    ('{"format": "tidu.application/1", "call": "tianmen-2026-basic", "n": 12345678901234567890}', 400, "（文件）",
     "超过 15 位"),
    ('{"format": "tidu.application/1", "call": "nowhere-2026"}', 400, "call", "未知的申报批次"),
    ('{"format": "tidu.application/1", "call": "tianmen-2026-basic", "tier": 3}', 400, "tier", ""),
    ('"just a string"', 400, "（顶层）", "应为 JSON 对象"),
    ('{"format": "tidu.application/1", "call": "tianmen-2026-basic", "x": "\\u0000"}', 400, "x", "控制字符"),
])
def test_bad_documents_are_400_with_every_problem_in_chinese(client, secret, body, status, field, words):
    response = _evaluate(client, secret, body)
    assert response.status_code == status
    answer = response.json()
    assert answer["detail"] == "无法判定：申报数据有误"
    assert any(p["field"] == field and words in p["message"] for p in answer["problems"]), answer


def test_a_document_beyond_the_size_bound_is_413_and_an_unknown_tier_is_named(client, secret):
    huge = '{"format": "tidu.application/1", "pad": "' + "x" * 1_000_001 + '"}'
    response = _evaluate(client, secret, huge)
    assert response.status_code == 413 and "过大" in response.json()["detail"]
    example = EXAMPLES[0].read_text(encoding="utf-8")
    unknown = _evaluate(client, secret, example, tier="钻石级")
    assert unknown.status_code == 400 and "钻石级" in json.dumps(unknown.json(), ensure_ascii=False)
