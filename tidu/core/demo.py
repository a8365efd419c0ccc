"""Demo data shared by every domain: the administrator account."""

import contextlib
import datetime as dt

from django.contrib.auth import get_user_model

from tidu.core import clock
from tidu.core.events import deliver_pending
from tidu.core.timezones import BEIJING

DEMO_PASSWORD = "tidu-demo-2026"


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
