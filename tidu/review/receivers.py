"""The review domain's rules on the application lifecycle (added in ReviewConfig.ready with ``add_rule``)."""

from tidu.core import clock
from tidu.core.operations import ALLOWED, Rule, refused
from tidu.review import services
from tidu.review.models import RecommendationEntry


def _withdrawal_check(user, application):
    """Without locking (buttons): 撤回推荐 is refused while the application is on a frozen 推荐名单."""
    entry = (RecommendationEntry.objects.select_related("recommendation_list__call")
             .filter(application=application).first())
    if entry is None:
        return ALLOWED
    rlist = entry.recommendation_list
    if rlist.is_frozen:
        return refused(f"该申报已列入{rlist.get_status_display()}的推荐名单（第 {entry.priority} 位），"
                       "不能撤回推荐；如需调整，请先撤销签发，或联系市经信局退回名单")
    problem = services.township_blocker(rlist, clock.now())
    return refused(problem) if problem else ALLOWED


def _withdrawal_execute(user, application, params):
    """On the locked rows: refused on a frozen list (checked again under the list's lock); else off the list."""
    services.withdraw_guard(application, user)


# 撤回推荐 must respect the 推荐名单: refused on a frozen list, and it takes the entry off an editable one.
guard_withdrawal = Rule(key="review.withdrawal_respects_list", check=_withdrawal_check,
                        on_execute=_withdrawal_execute)
