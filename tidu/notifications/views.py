"""The user's own notices: list, open (marks read), mark read, mark all read; the channels he chooses."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tidu.core.errors import TiduError
from tidu.notifications import channels, operations, selectors, services
from tidu.notifications.forms import ChannelsForm

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


@login_required
def channel_preferences(request):
    """How the user wants to be told: in-app always; e-mail and SMS as he chooses (the operation audits it)."""
    preference = channels.preference_for(request.user)
    initial = {"email": preference.email and bool(request.user.email), "sms": preference.sms, "mobile": preference.mobile}
    form = ChannelsForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            operations.update_channels(request.user, **form.cleaned_data)
        except TiduError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("通知方式已保存。"))
            return redirect("notifications:channels")
    recent = (selectors.deliveries_visible_to(request.user).select_related("notification")
              .order_by("-id")[:20])
    return render(request, "notifications/channels.html", {
        "form": form, "recent": recent, "has_email": bool(request.user.email),
        "sign_name": settings.TIDU_SMS_SIGN_NAME})


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "notifications:list"
