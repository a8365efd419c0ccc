"""Canonical JSON and SHA-256: the fingerprints stored with submissions, 推荐名单, 认定名单 and policy packs.

The canonical form is stable: keys sorted, no whitespace, Chinese kept as UTF-8 characters (not \\u
escapes), values JSON does not know (dates, decimals) written as their ``str``. A stored hash therefore
stays reproducible from the stored JSON, whatever order a dict was built in.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CHUNK_SIZE = 64 * 1024


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_json(value: Any) -> str:
    """The hex SHA-256 of ``value``'s canonical JSON (UTF-8)."""
    return sha256_of_bytes(canonical_json(value).encode("utf-8"))


def sha256_of_file(file) -> str:
    """The hex SHA-256 of an uploaded or stored file, read in chunks; the file is left at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    if hasattr(file, "chunks"):
        for chunk in file.chunks():
            digest.update(chunk)
    else:
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()
