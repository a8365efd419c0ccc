"""Test-data helpers for any app's tests: put applications where the review side's rules want them.

The city receives (受理) only from a unit's sent 推荐名单 (``tidu.review.rules``). Tests of later steps (专家评审,
现场核查, 公示) that drive an application through 受理 call ``put_on_sent_list`` first, or ``receive`` for both.
The code lives in ``tidu.testing`` (the one test-data builder); these names stay for existing callers.
"""

from tidu.testing import put_on_sent_list, receive

__all__ = ["put_on_sent_list", "receive"]
