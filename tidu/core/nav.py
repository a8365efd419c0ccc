"""The site header's navigation, built in Python and kept per language and role (issue 15).

Every page drew the header from six app partials (``{% include %}`` each), a dozen ``{% url %}`` (each a full
``reverse``) and as many ``{% translate %}``: ~3 ms of every page, for links that depend only on the reader's role
and language. Here the links are listed once, their HTML is built once per (language, role, URL configuration,
script prefix) and kept for the process; per request only the person's name, the unread-notice badge and the CSRF
token are put in. The HTML is the same the templates gave (tidu/core/tests/test_nav.py).
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

from tidu.accounts.models import User
from tidu.accounts.permissions import role_of
from tidu.core.rows import concrete_user

Role = User.Role
CITY, TOWNSHIP, EXPERT, ENTERPRISE = Role.CITY, Role.TOWNSHIP, Role.EXPERT, Role.ENTERPRISE
SIGNED_IN = None  # a link every signed-in person sees
BADGE = object()  # where the unread-notice badge goes

# Each app's links in header order: (who sees it, URL name, label, title). One group per app, as the apps' own
# partials were: a group's links are joined without space and the group ends with a newline.
GROUPS: tuple[tuple[tuple, ...], ...] = (
    (((TOWNSHIP,), "review:township_dashboard", gettext_noop("审核推荐"), ""),
     ((TOWNSHIP,), "readiness:city", gettext_noop("就绪度分布"), ""),
     ((CITY,), "review:intake", gettext_noop("受理审查"), "")),
    (((EXPERT,), "experts:my_assignments", gettext_noop("我的评审"), ""),
     ((EXPERT,), "onsite:mine", gettext_noop("现场核查"), ""),
     ((CITY,), "experts:home", gettext_noop("专家评审"), ""),
     ((CITY,), "onsite:home", gettext_noop("现场核查"), "")),
    ((SIGNED_IN, "publicity:public_list", gettext_noop("公示公告"), ""),
     ((CITY,), "publicity:manage_list", gettext_noop("公示管理"), ""),
     ((CITY,), "dashboards:overview", gettext_noop("统计看板"), ""),
     ((CITY,), "readiness:city", gettext_noop("就绪度分布"), "")),
    ((SIGNED_IN, "notifications:list", gettext_noop("通知"), gettext_noop("通知")),),
    (((CITY,), "records:index", gettext_noop("操作日志"), ""),),
    (((CITY,), "benchmark:city", gettext_noop("同行业对比"), ""),
     ((ENTERPRISE,), "benchmark:mine", gettext_noop("同行业对比"), "")),
)

_BADGE_STYLE = ("display:inline-block;min-width:1.5em;padding:0 5px;margin-left:3px;border-radius:9px;"
                "background:#fff;color:#b3261e;font-size:12px;font-weight:700;text-align:center;line-height:1.5")
_LOGOUT_STYLE = ("font:inherit;color:#fff;background:none;border:1px solid rgba(255,255,255,.7);border-radius:4px;"
                 "padding:0 10px;cursor:pointer")

_urls: dict[tuple, str] = {}
_navs: dict[tuple, tuple] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """Tests change the URL configuration or the languages: build again."""
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


def _build(signed_in: bool, role) -> tuple:
    """The header's pieces for one role in the current language: strings and, where the badge goes, BADGE.
    Labels print as ``{% translate %}`` printed them (a template's literal is trusted: not escaped)."""
    u = fixed_url
    if not signed_in:
        return (f'<a href="{u("home")}">{gettext("申报批次")}</a>\n      \n'
                f'        <a href="{u("enterprises:register")}">{gettext("企业登记")}</a>\n'
                f'        <a href="{u("accounts:login")}">{gettext("登录")}</a>\n      ',)
    pieces: list = [f'<a href="{u("home")}">{gettext("申报批次")}</a>\n      \n'
                    f'        <a href="{u("accounts:dashboard")}">{gettext("工作台")}</a>\n        ']
    for group in GROUPS:
        for roles, name, label, title in group:
            if roles is not SIGNED_IN and role not in roles:
                continue
            title_attr = f' title="{gettext(title)}"' if title else ""
            pieces.append(f'<a href="{u(name)}"{title_attr}>{gettext(label)}')
            if name == "notifications:list":
                pieces.append(BADGE)
            pieces.append("</a>")
        pieces.append("\n")
    pieces.append(f'\n        <a href="{u("accounts:profile")}" title="{gettext("个人信息")}">')
    return tuple(pieces)


def site_nav(context) -> SafeString:
    """The header's links for the reader (``{% site_nav %}`` in core/base.html)."""
    user = context.get("user")
    if user is None:
        user = getattr(context.get("request"), "user", None)
    user = concrete_user(user)
    signed_in = user is not None and user.is_authenticated
    role = role_of(user) if signed_in else None
    key = (*_where(), get_language(), signed_in, role)
    pieces = _navs.get(key)
    if pieces is None:
        pieces = _navs[key] = _build(signed_in, role)
    if not signed_in:
        return mark_safe(pieces[0])
    out = [_badge(user) if piece is BADGE else piece for piece in pieces]
    role_name = gettext("系统管理员") if user.is_superuser else user.get_role_display()
    out.append(gettext("%(name)s（%(role)s）") % {"name": conditional_escape(user.display_name),
                                                  "role": conditional_escape(role_name)})
    out.append(f'</a>\n        <form action="{fixed_url("accounts:logout")}" method="post" class="logout-form" '
               f'style="margin:0">{CsrfTokenNode().render(context)}\n'
               f'          <button type="submit" style="{_LOGOUT_STYLE}">{gettext("退出")}</button>\n'
               f'        </form>\n      ')
    return mark_safe("".join(out))


def _badge(user) -> str:
    from tidu.notifications.services import unread_count

    unread = unread_count(user)
    if not unread:
        return ""
    label = gettext("%(n)s 条未读") % {"n": unread}
    return f'<span class="nav-badge" style="{_BADGE_STYLE}" aria-label="{label}">{unread}</span>'
