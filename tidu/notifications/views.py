"""The user's own notices: list, open (marks read), mark read, mark all read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from tidu.notifications import selectors, services

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request):
    notices = selectors.notifications_visible_to(request.user)
    show = request.GET.get("show", "")
    if show == "unread":
        notices = notices.filter(read_at__isnull=True)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "show": show, "unread": services.unread_count(request.user)})


@login_required
@require_GET
def notification_open(request, pk):
    """Mark the notice read and go to what it is about (only links inside this site are followed)."""
    notice = services.mark_read(user=request.user, notification_id=pk)
    if notice is None:
        raise Http404(gettext("找不到这条通知"))
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts={request.get_host()},
                                                        require_https=request.is_secure()):
        return redirect(notice.link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request, pk):
    if services.mark_read(user=request.user, notification_id=pk) is None:
        raise Http404(gettext("找不到这条通知"))
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request):
    services.mark_all_read(user=request.user)
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "notifications:list"
