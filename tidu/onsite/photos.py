"""Photos taken on site: JPEG or PNG checked by their content (and decoded by Pillow), size-limited, hashed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from tidu.core.uploads import UploadRules, check_upload
from tidu.onsite.errors import PhotoRejected

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
ACCEPTED_DESCRIPTION = "JPG 或 PNG 照片"


__all__ = ["PhotoRejected", "inspect_photo", "max_bytes"]

# The content decides, not the name: a phone may save a PNG as .jpg (tidu.core.uploads is the one checker).
PHOTO_RULES = UploadRules(types=("jpeg", "png"), accepted=ACCEPTED_DESCRIPTION, noun="照片",
                          too_large_advice="；请降低拍摄分辨率后重拍", check_extension=False, error=PhotoRejected)
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG"}


def max_bytes() -> int:
    return int(getattr(settings, "TIDU_ONSITE_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


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
    checked = check_upload(upload, PHOTO_RULES, max_bytes=max_bytes())
    name, kind = checked.name or "照片", PIL_FORMATS[checked.kind]
    try:
        with Image.open(upload) as image:
            if image.format != kind:
                raise PhotoRejected(f"照片“{name}”的内容无法识别为{ACCEPTED_DESCRIPTION}")
            width, height = image.size  # within the pixel cap: check_upload read the header (tidu.core.images)
            image.verify()  # must come straight after opening
        upload.seek(0)
        with Image.open(upload) as image:
            facts = _exif(image)
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as broken:
        raise PhotoRejected(f"照片“{name}”已损坏或不是{ACCEPTED_DESCRIPTION}") from broken
    finally:
        upload.seek(0)
    return {"original_name": name[:255], "content_type": checked.content_type, "size": checked.size,
            "sha256": checked.sha256, "width": width, "height": height, **facts}
