"""Demo data shared by every domain: the administrator account, and the reader of the demo data files.

The demo's records (units, officers, enterprises, people, the calls they belong to) are data, not code: they live
in ``tidu/core/demo_data/*.yaml`` (see docs/demo-data.md), and each domain's ``demo.py`` reads its part with
``demo_data(name)``.
"""

import contextlib
import datetime as dt
import functools
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model

from tidu.core import clock
from tidu.core.events import deliver_pending
from tidu.core.timezones import BEIJING

DEMO_PASSWORD = "tidu-demo-2026"
DEMO_DATA_DIR = Path(__file__).resolve().parent / "demo_data"


@functools.cache
def demo_data(name: str) -> dict[str, Any]:
    """The demo data file ``tidu/core/demo_data/<name>.yaml`` (read once; treat it as read-only)."""
    with (DEMO_DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load(out) -> list[tuple[str, str, str]]:
    """Create the demo administrator; return the logins to print as (role, username, password)."""
    user_model = get_user_model()
    with at(moment(1, 5)):
        admin, created = user_model.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "role": "admin", "email": "admin@tidu.example"})
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
    return [("系统管理员", "admin", DEMO_PASSWORD)]


def moment(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    """A moment of the demo story, in 北京时间."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@contextlib.contextmanager
def at(when: dt.datetime):
    """Run one step of the demo story at ``when``: its rules, records and the notices its events send all carry
    that moment (tidu.core.clock.story_at), not the time load_demo runs."""
    with clock.story_at(when):
        yield when
        deliver_pending()  # the step's notices are sent at the step's moment
