"""Photos taken on site: JPEG or PNG checked by their content (and decoded by Pillow), size-limited, hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from tidu.onsite.errors import PhotoRejected

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 80_000_000  # well above any phone camera; stops decompression bombs
KINDS = {"JPEG": "image/jpeg", "PNG": "image/png"}
ACCEPTED_DESCRIPTION = "JPG 或 PNG 照片"


__all__ = ["PhotoRejected", "inspect_photo", "max_bytes"]


def max_bytes() -> int:
    return int(getattr(settings, "TIDU_ONSITE_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def _magic(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    return None


def _dms(value) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return Decimal(str(round(degrees + minutes / 60 + seconds / 3600, 6)))


def _exif(image) -> dict:
    """Shooting time and position from the photo's EXIF data, when the phone recorded them."""
    out = {}
    try:
        exif = image.getexif()
    except Exception:  # broken EXIF must not stop an upload
        return out
    taken = exif.get_ifd(0x8769).get(36867) or exif.get(306)
    if isinstance(taken, str):
        try:
            out["taken_at"] = dt.datetime.strptime(taken.strip("\x00 "), "%Y:%m:%d %H:%M:%S").strftime(
                "%Y-%m-%d %H:%M:%S")
        except ValueError:
            pass
    gps = exif.get_ifd(0x8825)
    if gps.get(2) and gps.get(4):
        lat, lon = _dms(gps[2]), _dms(gps[4])
        if lat is not None and lon is not None and lat <= 90 and lon <= 180:
            out["latitude"] = -lat if gps.get(1) == "S" else lat
            out["longitude"] = -lon if gps.get(3) == "W" else lon
    return out


def inspect_photo(upload) -> dict:
    """Check an uploaded photo; returns its facts (content type, size, hash, dimensions, EXIF) or raises."""
    name = PurePath(upload.name or "").name or "照片"
    limit = max_bytes()
    if not upload.size:
        raise PhotoRejected(f"“{name}”是空文件")
    if upload.size > limit:
        raise PhotoRejected(f"“{name}”大小为 {upload.size / 1048576:.1f} MB，超过 {limit / 1048576:g} MB 的上限；"
                            "请降低拍摄分辨率后重拍")
    upload.seek(0)
    kind = _magic(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise PhotoRejected(f"“{name}”不是{ACCEPTED_DESCRIPTION}（按文件内容判断）")
    try:
        with Image.open(upload) as image:
            if image.format != kind:
                raise PhotoRejected(f"“{name}”的内容无法识别为{ACCEPTED_DESCRIPTION}")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoRejected(f"“{name}”像素过大（{width}×{height}）")
            image.verify()  # must come straight after opening
        upload.seek(0)
        with Image.open(upload) as image:
            facts = _exif(image)
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as broken:
        raise PhotoRejected(f"“{name}”已损坏或不是{ACCEPTED_DESCRIPTION}") from broken
    finally:
        upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {"original_name": name[:255], "content_type": KINDS[kind], "size": upload.size,
            "sha256": digest.hexdigest(), "width": width, "height": height, **facts}
