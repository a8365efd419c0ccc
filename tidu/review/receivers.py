"""Hooks into the application lifecycle (connected in ReviewConfig.ready)."""

from tidu.review import services


def guard_withdrawal(sender, application, transition, user, **kwargs):
    """撤回推荐 must respect the 推荐名单: refused on a frozen list, and it takes the entry off an editable one."""
    if transition.action == "township_withdraw_recommendation":
        services.withdraw_guard(application, user)
