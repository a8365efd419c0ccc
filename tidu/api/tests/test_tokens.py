"""Personal access tokens: made on a page (shown once, stored hashed), scoped, expiring, revocable, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tidu.api.models import ApiToken, digest
from tidu.api.tests.conftest import auth, token
from tidu.core.models import AuditEntry
from tidu.testing import AuditSince

pytestmark = pytest.mark.django_db


def test_a_township_officer_makes_a_token_on_the_page_sees_it_once_and_only_its_digest_is_kept(world, client):
    town = world["people"]["town_x"]
    client.force_login(town)
    page = client.get(reverse("api_tokens"))
    assert "乡镇办理" in page.content.decode() and "市经信局办理" not in page.content.decode()
    since = AuditSince()
    response = client.post(reverse("api_tokens"), {"name": "省级平台对接", "scopes": ["read", "township:act"],
                                                   "days": "90"})
    assert response.status_code == 302 and response["Location"] == reverse("api_tokens")  # POST/redirect/GET
    html = client.get(response["Location"]).content.decode()
    made = ApiToken.objects.get(user=town)
    secret = html.split('<code class="token-secret">')[1].split("</code>")[0]
    assert secret.startswith("tidu_") and made.token_sha256 == digest(secret)
    assert secret not in str(ApiToken.objects.filter(pk=made.pk).values().get())  # not stored anywhere
    assert made.scopes == ["read", "township:act"] and made.expires_at > timezone.now() + dt.timedelta(days=89)
    row = since.one("api_token")
    assert (row.actor, row.action, row.to_status) == (town, "api_token.create", "active")
    assert row.detail["scopes"] == ["read", "township:act"] and secret not in str(row.detail)
    # Shown once: reloading the page shows it no more and makes no second token.
    assert secret not in client.get(reverse("api_tokens")).content.decode()
    assert ApiToken.objects.filter(user=town).count() == 1
    assert client.get("/api/applications", **auth(secret)).status_code == 200


def test_a_role_cannot_give_its_token_a_scope_it_does_not_have(world, client):
    client.force_login(world["people"]["ent_a"])
    response = client.post(reverse("api_tokens"), {"name": "对接", "scopes": ["township:act"], "days": "30"})
    assert response.status_code == 400 and "township:act" in response.content.decode()
    assert not ApiToken.objects.exists()
    client.force_login(world["people"]["expert"])
    assert client.post(reverse("api_tokens"), {"name": "x", "scopes": ["read"], "days": "30"}).status_code == 403


def test_expired_revoked_unknown_and_missing_tokens_get_401_in_chinese(world, client):
    town = world["people"]["town_x"]
    secret = token(town)
    made = ApiToken.objects.get(user=town)
    assert client.get("/api/applications", HTTP_AUTHORIZATION="Bearer tidu_nonsense").json()["detail"].startswith(
        "访问令牌无效")
    assert "缺少访问令牌" in client.get("/api/applications").json()["detail"]
    assert "格式不正确" in client.get("/api/applications", HTTP_AUTHORIZATION="Token abc").json()["detail"]
    ApiToken.objects.filter(pk=made.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    expired = client.get("/api/applications", **auth(secret))
    assert expired.status_code == 401 and "过期" in expired.json()["detail"]
    ApiToken.objects.filter(pk=made.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(town)
    since = AuditSince()
    client.post(reverse("api_token_revoke", args=[made.pk]))
    assert since.one("api_token").action == "api_token.revoke"
    revoked = client.get("/api/applications", **auth(secret))
    assert revoked.status_code == 401 and "已撤销" in revoked.json()["detail"]


def test_a_missing_scope_is_403_and_names_the_scope(world, client):
    secret = token(world["people"]["town_x"], scopes=["read"])
    response = client.post(f"/api/applications/{world['apps']['a'].pk}/actions/township_recommend",
                           **auth(secret), content_type="application/json")
    assert response.status_code == 403 and "乡镇办理" in response.json()["detail"]
    response = client.post("/api/evaluate", data="{}", content_type="application/json", **auth(secret))
    assert response.status_code == 403 and "判定申报数据" in response.json()["detail"]
    assert not AuditEntry.objects.filter(action="township_recommend", object_id=str(world["apps"]["a"].pk)).exists()


def test_the_auditor_lists_every_token_and_the_security_admin_may_revoke_one(world, client):
    token(world["people"]["town_x"])
    token(world["people"]["ent_a"])
    client.force_login(world["people"]["auditor"])
    html = client.get(reverse("api_tokens_all")).content.decode()
    assert "town_x" in html and "ent_a" in html and "撤销</button>" not in html
    client.force_login(world["people"]["ent_b"])
    assert client.get(reverse("api_tokens_all")).status_code == 403
    victim = ApiToken.objects.get(user=world["people"]["ent_a"])
    assert client.post(reverse("api_token_revoke", args=[victim.pk])).status_code == 404  # not his
    client.force_login(world["people"]["security"])
    client.post(reverse("api_token_revoke", args=[victim.pk]))
    victim.refresh_from_db()
    assert victim.is_revoked
    row = AuditEntry.objects.get(action="api_token.revoke")
    assert row.actor == world["people"]["security"] and row.detail["owner_id"] == world["people"]["ent_a"].pk


def test_calls_beyond_the_rate_limit_get_429_in_chinese(world, client, settings):
    settings.TIDU_API_RATE_PER_MINUTE = 2
    secret = token(world["people"]["city"])
    assert [client.get("/api/calls", **auth(secret)).status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/calls", **auth(secret))
    assert response.status_code == 429 and "请求过于频繁" in response.json()["detail"]
    # Another token has its own allowance.
    assert client.get("/api/calls", **auth(token(world["people"]["town_x"]))).status_code == 200
