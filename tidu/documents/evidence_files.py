"""Looking inside evidence files (plain Python): can a PDF be merged, can an image be placed, how many pages.

Nothing here raises for a bad file: a broken or encrypted PDF or an unreadable image comes back with a
Chinese note ("文件已损坏，未能并入") and ``mergeable=False``, so the bound dossier lists it and moves on.
Results are cached by the file's SHA-256, which never changes for the same content.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image, ImageOps

from tidu.core.images import ImageTooLarge, header_size

logger = logging.getLogger(__name__)

NOTE_BROKEN_PDF = "文件已损坏，未能并入"
NOTE_ENCRYPTED_PDF = "文件已加密，未能并入"
NOTE_BROKEN_IMAGE = "图片无法读取，未能并入"
NOTE_HUGE_IMAGE = "图片像素过大，未能并入，请核对电子文件（SHA-256 见本表）"
NOTE_OFFICE = "Office 文件，未并入装订版，请核对电子文件（SHA-256 见本表）"
NOTE_OTHER = "未并入装订版，请核对电子文件（SHA-256 见本表）"
NOTE_MISSING = "文件缺失，未能并入"

# A4 at 300 dpi: images are never placed larger than this.
A4_300DPI = (2480, 3508)
IMAGE_TYPES = ("image/jpeg", "image/png")
OFFICE_MARKERS = ("officedocument", "msword", "ms-excel", "ms-powerpoint", "octet-stream")


@dataclass(frozen=True)
class EvidenceInspection:
    kind: str  # pdf | image | office | other
    pages: int | None
    note: str
    mergeable: bool

    @classmethod
    def uninspected(cls, content_type: str) -> EvidenceInspection:
        kind = kind_of(content_type)
        return cls(kind, None, "", kind in ("pdf", "image"))


def kind_of(content_type: str) -> str:
    if content_type == "application/pdf":
        return "pdf"
    if content_type in IMAGE_TYPES:
        return "image"
    if any(marker in content_type for marker in OFFICE_MARKERS):
        return "office"
    return "other"


def open_pdf(data: bytes):
    """Return (reader, None) for a PDF whose pages can be read, or (None, note) explaining why not."""
    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    if not reader.decrypt(""):
                        return None, NOTE_ENCRYPTED_PDF
                except Exception:
                    return None, NOTE_ENCRYPTED_PDF
            pages = list(reader.pages)
            if not pages:
                return None, NOTE_BROKEN_PDF
            for page in pages:
                page.mediabox  # noqa: B018 — touching the box makes a broken page tree fail here, not later
            return reader, None
    except Exception as exc:  # pypdf raises many kinds of error for damaged files
        logger.info("evidence PDF unreadable: %s", exc)
        return None, NOTE_BROKEN_PDF


def inspect_bytes(data: bytes, content_type: str) -> EvidenceInspection:
    kind = kind_of(content_type)
    if kind == "pdf":
        reader, note = open_pdf(data)
        if reader is None:
            return EvidenceInspection(kind, None, note, False)
        return EvidenceInspection(kind, len(reader.pages), "", True)
    if kind == "image":
        return _inspect_image(io.BytesIO(data))
    if kind == "office":
        return EvidenceInspection(kind, None, NOTE_OFFICE, False)
    return EvidenceInspection(kind, None, NOTE_OTHER, False)


def _inspect_image(handle) -> EvidenceInspection:
    try:
        header_size(handle)
    except ImageTooLarge:
        return EvidenceInspection("image", None, NOTE_HUGE_IMAGE, False)
    except Exception:
        return EvidenceInspection("image", None, NOTE_BROKEN_IMAGE, False)
    return EvidenceInspection("image", 1, "", True)


_CACHE: OrderedDict[tuple[str, str], EvidenceInspection] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4096


def inspect_stored(file_field, content_type: str, sha256: str) -> EvidenceInspection:
    """Inspect a stored file (a Django FieldFile), cached by content hash."""
    key = (sha256, content_type)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    kind = kind_of(content_type)
    if kind in ("office", "other"):
        result = inspect_bytes(b"", content_type)
    else:
        try:
            with file_field.open("rb") as handle:
                if kind == "image":  # the header is enough to know a picture can be opened, and its size
                    result = _inspect_image(handle)
                else:
                    result = inspect_bytes(handle.read(), content_type)
        except (OSError, ValueError):
            return EvidenceInspection(kind, None, NOTE_MISSING, False)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def prepare_image(data: bytes, limit: tuple[int, int] = A4_300DPI) -> tuple[bytes, tuple[int, int]]:
    """Decode an image, turn it upright, flatten it on white and shrink it to at most 300 dpi on A4.

    Returns JPEG bytes and the pixel size. Raises ``ImageTooLarge`` for a picture above the pixel cap (before
    decoding it, so memory stays bounded) and Pillow's error for an unreadable one.
    """
    header_size(data)
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG":
            image.draft("RGB", limit)  # let the decoder skip detail that would be thrown away anyway
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, "white")
            background.paste(image, mask=image.getchannel("A"))
            image = background
        elif image.mode != "RGB":
            image = image.convert("RGB")
        width, height = image.size
        # Fit inside A4 at 300 dpi in whichever orientation the picture has.
        box = limit if height >= width else (limit[1], limit[0])
        scale = min(box[0] / width, box[1] / height, 1.0)
        if scale < 1.0:
            image = image.resize((max(1, round(width * scale)), max(1, round(height * scale))),
                                 Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, optimize=False)
        return out.getvalue(), image.size
