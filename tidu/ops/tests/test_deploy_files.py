"""The files in deploy/ agree with the code: commands exist, the upload limit matches, gunicorn's config loads."""

import re
import runpy
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def test_every_tidu_command_in_the_systemd_units_exists():
    commands = set()
    for unit in (DEPLOY / "systemd").glob("*.service"):
        commands |= set(re.findall(r"/bin/tidu (\w+)", unit.read_text(encoding="utf-8")))
    assert commands == {"db_worker", "deliver_events", "resume_batches", "send_reminders", "backup"}
    assert commands <= set(get_commands())
    assert get_commands()["db_worker"] == "tidu.ops"  # the worker with the heartbeat, not the library's own


def test_every_timer_has_its_service():
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert timer.with_suffix(".service").is_file(), timer.name


def test_nginx_upload_limit_admits_the_largest_evidence_file_and_media_is_never_served():
    site = (DEPLOY / "nginx" / "tidu.conf").read_text(encoding="utf-8")
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    limit = settings.TIDU_EVIDENCE_MAX_BYTES
    assert limit < megabytes * 1024 * 1024 <= limit + 5 * 1024 * 1024
    assert "location /media/ { return 404; }" in site
    assert "proxy_set_header X-Request-ID $request_id;" in site


def test_gunicorn_config_loads_with_workers_from_cores(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["workers"] >= 3 and config["timeout"] > 30 and config["graceful_timeout"] > 0
    assert config["wsgi_app"] == "tidu.wsgi:application"
    assert "%({x-request-id}o)s" in config["access_log_format"]
    assert config["logconfig_dict"]["formatters"]["json"]["()"] == "tidu.core.logging.JsonFormatter"
