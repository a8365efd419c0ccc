"""Canonical JSON and SHA-256: the same content always gives the same fingerprint."""

import hashlib
import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile

from tidu.core.hashing import canonical_json, sha256_of_bytes, sha256_of_file, sha256_of_json


def test_canonical_json_is_stable_under_key_order():
    first = {"b": 1, "a": {"z": [1, 2], "y": "企业"}}
    second = {"a": {"y": "企业", "z": [1, 2]}, "b": 1}
    assert canonical_json(first) == canonical_json(second) == '{"a":{"y":"企业","z":[1,2]},"b":1}'
    assert sha256_of_json(first) == sha256_of_json(second)


def test_canonical_json_keeps_chinese_and_reads_back():
    document = {"企业名称": "天门市华楚精密机械有限公司", "n": 1.5}
    text = canonical_json(document)
    assert "\\u" not in text and "天门市" in text
    assert json.loads(text) == document


def test_hash_is_sha256_of_the_utf8_canonical_form_and_changes_with_content():
    value = {"call": "tianmen-2026-basic", "sections": {"basic": {"name": "华楚"}}}
    assert sha256_of_json(value) == hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
    changed = {"call": "tianmen-2026-basic", "sections": {"basic": {"name": "华楚 "}}}
    assert sha256_of_json(changed) != sha256_of_json(value)


def test_stored_fingerprints_keep_their_values():
    """Submissions, 推荐名单 and 认定名单 were hashed this way before: the same input gives the same digest."""
    payload = {"evidence": ["ab", "cd"], "tier": "basic"}
    legacy = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True,
                                       separators=(",", ":")).encode("utf-8")).hexdigest()
    assert sha256_of_json(payload) == legacy


def test_values_json_does_not_know_are_written_as_text():
    import datetime as dt
    from decimal import Decimal

    assert canonical_json({"d": dt.date(2026, 3, 5), "x": Decimal("1.50")}) == '{"d":"2026-03-05","x":"1.50"}'


def test_file_hash_reads_uploads_and_plain_files_and_rewinds():
    data = b"%PDF-1.4\n" + bytes(range(256)) * 1000
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_of_bytes(data) == expected
    upload = SimpleUploadedFile("a.pdf", data)
    upload.read(10)
    assert sha256_of_file(upload) == expected
    assert upload.read(4) == b"%PDF"  # left at the start for whoever stores it next
    assert sha256_of_file(io.BytesIO(data)) == expected
