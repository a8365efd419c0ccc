"""File sizes as people read them (plain Python)."""

from __future__ import annotations

KB = 1024
MB = 1024 * KB
GB = 1024 * MB


def human_size(size: int) -> str:
    """500 → '500 B', 1536 → '1.5 KB', 10485760 → '10 MB' (one decimal, dropped when it is 0)."""
    for unit, factor in (("GB", GB), ("MB", MB), ("KB", KB)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} B"


def megabytes(size: int) -> str:
    """A limit in MB for a sentence that already says "MB": 52428800 → '50', 15728640 → '15'."""
    return f"{size / MB:g}"
