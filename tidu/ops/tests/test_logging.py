"""LOG_FORMAT=json: one JSON object per line, each carrying the id of the request it was written in."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from tidu.core.logging import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_lines_written_during_a_request_carry_its_id(client, json_lines, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(default_storage, "save", broken)
    response = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-req-0123456789abcdef")
    assert response["X-Request-ID"] == "nginx-req-0123456789abcdef"
    lines = json_lines()
    health = [line for line in lines if line["logger"] == "tidu.ops.health"]
    assert health and health[0]["request_id"] == "nginx-req-0123456789abcdef"
    assert health[0]["level"] == "ERROR" and health[0]["message"] == "healthz: storage check failed"
    assert "OSError: disk gone" in health[0]["exception"]  # the detail goes to the log, not the response
    # Django logs the 503 after the middleware has returned; the line still has the request's id.
    request_lines = [line for line in lines if line["logger"] == "django.request"]
    assert request_lines and request_lines[0]["request_id"] == "nginx-req-0123456789abcdef"
    assert request_lines[0]["status_code"] == 503


def test_gunicorn_access_line_has_its_fields_and_the_request_id():
    atoms = {"h": "10.0.0.2", "m": "GET", "U": "/review/intake/", "q": "page=2", "s": "200", "B": "5120",
             "M": 37, "a": "Mozilla/5.0", "{x-request-id}o": "abc123def4567890"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(h)s", (), None)
    record.args = atoms  # what gunicorn passes: the atoms dict as the format arguments
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123def4567890"
    assert (line["method"], line["path"], line["query"], line["status"], line["bytes"], line["duration_ms"]) == \
        ("GET", "/review/intake/", "page=2", 200, 5120, 37)


def test_settings_switch_the_console_to_json():
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "tidu.settings"}
    code = ("import django, logging; django.setup(); "
            "from tidu.core.request_id import new_request_id; rid = new_request_id(); "
            "logging.getLogger('tidu.test').warning('中文 %s', 'ok'); print(rid)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "中文 ok" and line["logger"] == "tidu.test" and line["level"] == "WARNING"
    assert line["request_id"] == result.stdout.strip()
