"""PostgreSQL connections run with JIT off (it cost 120–200 ms per page at 100,000 applications; bench/README.md),
unless the environment asks for it or the database URL already sets it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _options(**env) -> str:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DJANGO_"))}
    code = "from django.conf import settings as s; print(s.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                            env={**base, "DJANGO_SETTINGS_MODULE": "tidu.settings", **env},
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.mark.parametrize(("env", "expected"), [
    ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}, "-c jit=off"),
    ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "DATABASE_JIT": "1"}, ""),
    ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x?options=-c%20jit%3Don"}, "-c jit=on"),
    ({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x?options=-c%20work_mem%3D64MB"}, "-c work_mem=64MB -c jit=off"),
])
def test_postgresql_jit_is_off_by_default(env, expected):
    assert _options(**env) == expected


def test_sqlite_is_left_alone(tmp_path):
    assert _options(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}") == ""
