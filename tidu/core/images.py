"""Pictures decoded with a pixel cap, so that no upload can exhaust memory.

A PNG of 8900×8900 pixels compresses to under 10 KB and decodes to hundreds of megabytes; the width and
height in its header are what a decoder will allocate, so they are read first (Pillow reads only the header
on ``Image.open``) and a picture above ``TIDU_IMAGE_MAX_PIXELS`` is refused at upload with a clear message and
never decoded afterwards (the bound dossier lists it as not merged). Pictures within the cap are decoded into
the dossier downscaled to A4 at 300 dpi and re-encoded as JPEG (``tidu.documents.evidence_files``).

The cap is a technical limit chosen by operations (default 50 million pixels — a 50 MP phone photo), not a
policy number.
"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from PIL import Image

from tidu.core.errors import TiduError

DEFAULT_MAX_PIXELS = 50_000_000


class ImageTooLarge(TiduError):
    def __init__(self, width: int | None, height: int | None):
        self.width, self.height = width, height
        super().__init__(too_large_message("图片", self))


def max_pixels() -> int:
    return int(getattr(settings, "TIDU_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def install_pillow_cap() -> None:
    """Pillow's own guard at the same cap (a second line: it warns above it and refuses above twice it)."""
    Image.MAX_IMAGE_PIXELS = max_pixels()


def header_size(source) -> tuple[int, int]:
    """Width and height from the picture's header (bytes or a file object), without decoding the pixels.
    Raises ``ImageTooLarge`` above the cap, or Pillow's error for a file that is no picture."""
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    position = handle.tell() if hasattr(handle, "tell") else 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                with Image.open(handle) as image:
                    width, height = image.size
            except Image.DecompressionBombError:
                raise ImageTooLarge(None, None) from None
    finally:
        if hasattr(handle, "seek"):
            handle.seek(position)
    if width * height > max_pixels():
        raise ImageTooLarge(width, height)
    return width, height


def too_large_message(subject: str, error: ImageTooLarge) -> str:
    """Chinese: which picture, how large, what the cap is, what to do."""
    cap = f"{max_pixels() / 10_000:.0f} 万像素"
    if error.width:
        size = f"{error.width}×{error.height}，约 {error.width * error.height / 10_000:.0f} 万像素"
        return f"{subject}的像素过大（{size}），超过 {cap}的上限；请缩小图片尺寸后重新上传"
    return f"{subject}的像素过大，超过 {cap}的上限；请缩小图片尺寸后重新上传"
