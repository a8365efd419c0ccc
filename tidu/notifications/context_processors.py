from functools import cache

from tidu.notifications.services import unread_count


def notifications(request):
    """``unread_notifications`` for the nav badge; counted only when a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    @cache
    def count():
        return unread_count(user)

    return {"unread_notifications": count}
