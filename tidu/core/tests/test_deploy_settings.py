"""The documented production environment (deploy/tidu.env.example) passes `check --deploy --fail-level WARNING`,
and every page answers with a strict Content-Security-Policy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


def documented_environment(tmp_path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_", "SECURE_", "TIDU_", "CSRF_", "BEHIND_"))}
    for line in (ROOT / "deploy" / "tidu.env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(50)  # the example's placeholder, replaced as the docs say
    for key in ("TIDU_VAR_DIR", "STATIC_ROOT", "MEDIA_ROOT", "TIDU_BACKUP_DIR"):  # not /var on a test machine
        env[key] = str(tmp_path / key.lower())
    return env


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=documented_environment(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_read_proxy_header_origins_and_hsts(tmp_path):
    code = ("from django.conf import settings as s; "
            "print(s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS, s.SECURE_HSTS_SECONDS, s.DEBUG)")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                            env={**documented_environment(tmp_path), "DJANGO_SETTINGS_MODULE": "tidu.settings"},
                            capture_output=True, text=True)
    assert result.stdout.strip() == (
        "('HTTP_X_FORWARDED_PROTO', 'https') ['https://tidu.example.gov.cn'] 31536000 False"), result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "accounts:login", "accounts:password_reset", "enterprises:register"])
def test_pages_carry_a_strict_content_security_policy(client, name):
    policy = client.get(reverse(name))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src-attr")[0]  # no inline script or <style>
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy


def test_no_template_has_inline_script_or_event_handler():
    import re

    offenders = []
    for template in (ROOT / "tidu").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text):
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []
