"""The site header's navigation, rendered from its templates once per language and role and kept (issue 15).

``core/_site_nav.html`` and each app's ``_nav.html`` partial (six ``{% include %}``, a dozen ``{% url %}``, as many
``{% translate %}``) cost ~3 ms of every page, for links that depend only on the reader's role and language. So
they are rendered once per (URL configuration, script prefix, language, role, badge shown or not) for a stand-in
person of that role whose name, unread count and CSRF field are markers, and kept for the process; per request
only the markers are replaced by the person's own values, escaped as the template escapes them. The HTML is the
same the templates give when rendered for the person directly (tidu/core/tests/test_nav.py).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from tidu.core.rows import concrete_user

# Markers the stand-in render prints where the person's own values go (NUL never occurs in a rendered template).
NAME, UNREAD, CSRF = "\x00name\x00", "\x00unread\x00", "\x00csrf\x00"

_urls: dict[tuple, str] = {}
_navs: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """Tests change the URL configuration, the templates or the languages: render again."""
    _urls.clear()
    _navs.clear()


def _where() -> tuple:
    return (get_urlconf(), get_script_prefix())


def fixed_url(name: str) -> str:
    """``reverse(name)`` of a URL without arguments, reversed once per URL configuration and script prefix (as
    ``{% url %}`` prints it: escaped)."""
    key = (*_where(), name)
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = conditional_escape(reverse(name))
    return url


def site_nav(context) -> SafeString:
    """The header's links for the reader (``{% site_nav %}`` in core/base.html). The unread count comes from the
    notifications app's context processor (``unread_notifications``: a number, or a function counting once)."""
    user = context.get("user")
    if user is None:
        user = getattr(context.get("request"), "user", None)
    user = concrete_user(user)
    signed_in = user is not None and user.is_authenticated
    unread = context.get("unread_notifications", 0) if signed_in else 0
    if callable(unread):
        unread = unread()
    # What the templates read of the person, besides the markers: their role (through the role filters), whether
    # they are a superuser, and whether the badge shows.
    who = (user.role, user.is_superuser, bool(unread)) if signed_in else None
    key = (*_where(), get_language(), who)
    html = _navs.get(key)
    if html is None:
        stand_in = (get_user_model()(username=NAME, role=user.role, is_superuser=user.is_superuser) if signed_in
                    else AnonymousUser())
        html = _navs[key] = render_to_string("core/_site_nav.html", {
            "user": stand_in, "unread_notifications": UNREAD if unread else 0, "csrf_input": mark_safe(CSRF)})
    if not signed_in:
        return mark_safe(html)
    return mark_safe(html.replace(NAME, conditional_escape(user.display_name)).replace(UNREAD, str(unread))
                     .replace(CSRF, CsrfTokenNode().render(context)))
