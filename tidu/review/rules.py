"""Rules the review domain adds to the application's own transitions (registered from ReviewConfig.ready()).

* 受理 (``application.city_receive``): the city receives only what the unit sent — the application must be on
  its unit's 推荐名单 and that list must have been sent (报送). The rule joins the transition's own check, so
  the 受理 button, a batch, ``review.services.city_receive`` and a direct ``application_transition`` all agree.

形式审查's checklist (every override explained, 通过 only with every item ticked) is not such a rule: it is what
the officer decides, a parameter of ``operations.FormalReviewDecision``, not a condition on the application.
"""

from __future__ import annotations

from tidu.core.operations import ALLOWED, Check, Rule, add_rule, refused
from tidu.review import selectors


def on_sent_list(user, application) -> Check:
    problem = selectors.receive_blocker(application)
    return refused(problem) if problem else ALLOWED


RECEIVE_FROM_SENT_LIST = Rule("review.receive_from_sent_list", on_sent_list)


def register() -> None:
    add_rule("application.city_receive", RECEIVE_FROM_SENT_LIST)
