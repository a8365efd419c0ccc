"""The review domain's error: a refused operation whose ``message`` (and ``details``) are shown as they are."""

from __future__ import annotations

from tidu.core.errors import TiduError


class ReviewError(TiduError):
    """A refused review operation (推荐名单, 受理, 形式审查, batch actions); the message is Chinese."""


class NothingChanged(ReviewError):
    """An edit that would change nothing: no audit row is written (the services answer ``False``)."""

    def __init__(self):
        super().__init__("推荐名单没有变化")


class ListExists(ReviewError):
    """Another officer created the unit's list first: the caller uses that one."""

    def __init__(self):
        super().__init__("本单位本批次的推荐名单已经建立")
