"""Photos from the phone: JPEG/PNG by content, size-limited, stored privately, served only to those allowed."""

import io
import os

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tidu.experts import testing
from tidu.onsite import services
from tidu.onsite.models import CheckPhoto, OnsiteCheck
from tidu.onsite.photos import PhotoRejected, inspect_photo


def image_bytes(fmt="JPEG", size=(64, 48), exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


@pytest.fixture
def check(w):
    application = testing.to_expert_reviewed(w, "a")
    found = OnsiteCheck.objects.get(application=application)
    services.inspectors_set(check=found, user=w["users"]["city"], inspectors=[w["experts"]["e4"]])
    return found


def _upload(client, item, name, content, content_type="image/jpeg"):
    return client.post(reverse("onsite:photo_upload", args=[item.pk]),
                       {"photo": SimpleUploadedFile(name, content, content_type=content_type)}, follow=True)


def test_jpeg_and_png_are_accepted_and_served_to_inspectors_and_city(client, w, check):
    item = check.items.first()
    client.force_login(w["experts"]["e4"])
    page = _upload(client, item, "IMG_0001.jpg", image_bytes("JPEG")).content.decode()
    assert "已上传照片" in page
    _upload(client, item, "screen.png", image_bytes("PNG"), "image/png")
    photos = list(CheckPhoto.objects.filter(item=item))
    assert [(p.content_type, p.width, p.height) for p in photos] == [("image/jpeg", 64, 48), ("image/png", 64, 48)]
    assert photos[0].file.name.startswith(f"onsite/{check.pk}/{item.pk}/") and "IMG_0001" not in photos[0].file.name
    response = client.get(reverse("onsite:photo", args=[photos[0].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    client.force_login(w["users"]["city"])
    assert client.get(reverse("onsite:photo", args=[photos[1].pk])).status_code == 200


def test_photos_are_hidden_from_everyone_else(client, w, check):
    item = check.items.first()
    photo = services.photo_add(item=item, user=w["experts"]["e4"],
                               upload=SimpleUploadedFile("a.jpg", image_bytes(), content_type="image/jpeg"))
    url = reverse("onsite:photo", args=[photo.pk])
    client.force_login(w["experts"]["e1"])  # an expert, not an inspector of this check
    assert client.get(url).status_code == 404
    for who in ("ent_a", "town_x"):
        client.force_login(w["users"][who])
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name, content, message", [
    ("fake.jpg", b"GIF89a" + b"\x00" * 100, "的内容不是可接受的类型；仅接受JPG 或 PNG 照片"),
    ("note.jpg", "这不是照片".encode() * 10, "的内容不是可接受的类型；仅接受JPG 或 PNG 照片"),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "已损坏"),
    ("empty.jpg", b"", "空文件"),
])
def test_wrong_content_is_refused(client, w, check, name, content, message):
    item = check.items.first()
    client.force_login(w["experts"]["e4"])
    page = _upload(client, item, name, content).content.decode()
    assert message in page
    assert not CheckPhoto.objects.exists()
    # The refusal stands beside this item's upload control, not at the top of a long page.
    form = page[page.index(reverse("onsite:photo_upload", args=[item.pk])):]
    form = form[:form.index("</form>")]
    assert 'class="upload-error' in form and message in form


def test_a_png_named_jpg_is_stored_as_png(w, check):
    photo = services.photo_add(item=check.items.first(), user=w["experts"]["e4"],
                               upload=SimpleUploadedFile("x.jpg", image_bytes("PNG"), content_type="image/jpeg"))
    assert photo.content_type == "image/png"


def test_size_limit(client, settings, w, check):
    settings.TIDU_ONSITE_PHOTO_MAX_BYTES = 1024
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(buffer, "PNG")  # noise does not compress
    big = buffer.getvalue()
    assert len(big) > 1024
    client.force_login(w["experts"]["e4"])
    page = _upload(client, check.items.first(), "big.png", big, "image/png").content.decode()
    assert "照片“big.png”大小为" in page and "超过 1 KB 的上限；请降低拍摄分辨率后重拍" in page
    assert not CheckPhoto.objects.exists()


def test_exif_time_and_position_are_kept():
    exif = Image.Exif()
    exif[306] = "2026:05:20 10:15:00"
    gps = {1: "N", 2: (30.0, 39.0, 0.0), 3: "E", 4: (113.0, 9.0, 36.0)}
    exif[0x8825] = gps
    facts = inspect_photo(SimpleUploadedFile("gps.jpg", image_bytes(exif=exif), content_type="image/jpeg"))
    assert facts["taken_at"] == "2026-05-20 10:15:00"
    assert str(facts["latitude"]) == "30.65" and str(facts["longitude"]) == "113.16"


def test_upload_refused_when_the_check_is_closed_or_not_an_inspector(w, check):
    item = check.items.first()
    with pytest.raises(PermissionDenied):
        services.photo_add(item=item, user=w["experts"]["e1"],
                           upload=SimpleUploadedFile("a.jpg", image_bytes(), content_type="image/jpeg"))
    for each in check.items.all():
        services.item_decide(item=each, user=w["users"]["city"], result="confirmed")
    services.check_complete(check=check, user=w["users"]["city"])
    with pytest.raises(services.OnsiteError, match="不能再修改"):
        services.photo_add(item=item, user=w["experts"]["e4"],
                           upload=SimpleUploadedFile("a.jpg", image_bytes(), content_type="image/jpeg"))


def test_uploader_may_delete_own_photo(client, w, check):
    photo = services.photo_add(item=check.items.first(), user=w["experts"]["e4"],
                               upload=SimpleUploadedFile("a.jpg", image_bytes(), content_type="image/jpeg"))
    client.force_login(w["experts"]["e4"])
    assert client.post(reverse("onsite:photo_delete", args=[photo.pk])).status_code == 302
    assert not CheckPhoto.objects.exists()


def test_photo_rejected_is_a_plain_message():
    with pytest.raises(PhotoRejected) as rejected:
        inspect_photo(SimpleUploadedFile("x.txt", b"hello world, not an image", content_type="text/plain"))
    assert "JPG 或 PNG" in rejected.value.message
