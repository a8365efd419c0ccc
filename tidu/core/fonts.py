"""Finding a CJK font for PDFs (plain Python): a missing font must be a loud warning, never tofu."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

# Preferred first: serif (宋/仿宋-like) faces for body text, then sans (黑体-like) ones.
CANDIDATE_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
_CJK_NAME_HINTS = ("cjk", "wqy", "simsun", "simhei", "fangsong", "kaiti", "uming", "ukai", "sourcehan")


@cache
def find_cjk_font(explicit: str = "") -> Path | None:
    """Return a font file able to set Chinese text, or None when the system has none."""
    if explicit:
        path = Path(explicit)
        return path if path.is_file() else None
    for candidate in CANDIDATE_FONT_FILES:
        if os.path.isfile(candidate):
            return Path(candidate)
    for directory in FONT_DIRS:
        root = Path(directory)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in (".ttf", ".ttc", ".otf") and any(h in path.name.lower() for h in _CJK_NAME_HINTS):
                return path
    return None


MISSING_FONT_MESSAGE = (
    "未找到中文字体，生成的 PDF 将无法显示中文。请安装中文字体（Debian/Ubuntu：apt-get install fonts-noto-cjk "
    "或 fonts-wqy-microhei），或用环境变量 TIDU_CJK_FONT 指定字体文件。"
)
