"""Image bombs: a 10 KB PNG of 8900×8900 pixels is refused at every upload with a clear message, and a picture
like it that is already stored does not blow up the bound dossier's memory (it is listed as not merged)."""

import io
import json
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from tidu import testing
from tidu.applications.errors import EvidenceRejected
from tidu.applications.evidence import EVIDENCE_RULES
from tidu.core.uploads import check_upload
from tidu.documents.evidence_files import NOTE_HUGE_IMAGE, inspect_bytes
from tidu.onsite.errors import PhotoRejected
from tidu.onsite.photos import inspect_photo
from tidu.settings import BASE_DIR

BOMB = testing.image_bomb_png(8900, 8900)


def png(size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_the_bomb_is_small_on_disk():
    assert len(BOMB) < 20_000
    assert Image.open(io.BytesIO(BOMB)).size == (8900, 8900)


def test_evidence_refuses_the_bomb_naming_its_size_and_the_cap():
    with pytest.raises(EvidenceRejected) as refused:
        check_upload(SimpleUploadedFile("车间全景.png", BOMB), EVIDENCE_RULES, max_bytes=50 * 1024 * 1024)
    assert refused.value.message == ("文件“车间全景.png”的像素过大（8900×8900，约 7921 万像素），超过 5000 万像素的上限；"
                                     "请缩小图片尺寸后重新上传")


def test_onsite_photos_refuse_the_bomb():
    with pytest.raises(PhotoRejected) as refused:
        inspect_photo(SimpleUploadedFile("现场.png", BOMB))
    assert "像素过大（8900×8900" in refused.value.message


def test_an_ordinary_picture_is_accepted():
    checked = check_upload(SimpleUploadedFile("设备.png", png()), EVIDENCE_RULES, max_bytes=50 * 1024 * 1024)
    assert checked.kind == "png"


@override_settings(TIDU_IMAGE_MAX_PIXELS=1_000_000)
def test_the_cap_is_a_setting():
    with pytest.raises(EvidenceRejected) as refused:
        check_upload(SimpleUploadedFile("设备.png", png()), EVIDENCE_RULES, max_bytes=50 * 1024 * 1024)
    assert "超过 100 万像素的上限" in refused.value.message


def test_a_stored_bomb_is_listed_as_not_merged():
    inspection = inspect_bytes(BOMB, "image/png")
    assert not inspection.mergeable and inspection.note == NOTE_HUGE_IMAGE


def _probe(tmp_path, name: str, data: bytes) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "tidu.documents.tests.bound_memory_probe", str(path)],
                          cwd=BASE_DIR, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_building_the_bound_dossier_with_a_stored_bomb_stays_bounded(tmp_path):
    """Peak resident memory of the whole build, in a fresh process: with the bomb it is no higher than with an
    ordinary 1600×1200 picture plus a small margin (decoding the bomb took ~580 MB before the cap)."""
    ordinary = _probe(tmp_path, "ordinary.png", png())
    bomb = _probe(tmp_path, "bomb.png", BOMB)
    assert ordinary["notes"] == [""]
    assert bomb["notes"] == [NOTE_HUGE_IMAGE]
    assert bomb["peak_kb"] < ordinary["peak_kb"] + 64 * 1024, (ordinary, bomb)
