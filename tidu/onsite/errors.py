"""The on-site verification domain's errors (derive from the one base, ``tidu.core.errors.TiduError``)."""

from __future__ import annotations

from tidu.core.errors import TiduError
from tidu.core.uploads import UploadRejected


class OnsiteError(TiduError):
    """A refused operation; ``message`` is shown to the user as it is (Chinese)."""


class PhotoRejected(OnsiteError, UploadRejected):
    """An uploaded photo is not an acceptable JPG/PNG (checked by content), too large or broken."""
