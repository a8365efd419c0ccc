"""The expert review domain's errors (derive from the one base, ``tidu.core.errors.TiduError``)."""

from __future__ import annotations

from tidu.core.errors import TiduError


class ExpertsError(TiduError):
    """A refused operation; ``message`` is shown to the user as it is (Chinese)."""


class ScoreInvalid(ExpertsError):
    """Some score boxes (or the comments) are wrong; ``errors`` maps criterion id (or "comments") to a message."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(f"有 {len(errors)} 处需要修改，请按提示更正（已填写的内容仍保留在表单中）")
