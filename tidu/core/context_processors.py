from django.conf import settings
from django.utils import timezone

from tidu.core.clock import fake_now
from tidu.core.fonts import MISSING_FONT_MESSAGE, find_cjk_font


def platform(request):
    """Tell every page when PDFs cannot be produced with Chinese text, when the demo clock is set, and how long a
    session lasts (session.js warns before it ends)."""
    demo_now = fake_now()
    return {
        "cjk_font_missing": None if find_cjk_font(settings.TIDU_CJK_FONT) else MISSING_FONT_MESSAGE,
        "demo_clock": timezone.localtime(demo_now) if demo_now else None,
        "session_age": settings.SESSION_COOKIE_AGE,
    }
