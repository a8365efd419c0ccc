"""S3-compatible storage over real HTTP: an S3-protocol server (moto's server mode) on 127.0.0.1, a free port.

Evidence is uploaded through the page, read back through the permission-checked download (another
enterprise gets 404), and deleted from the bucket. Skipped without moto, except in CI (CI=1), where a
skip would hide that production's storage path went untested.
"""

import hashlib
import os
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tidu.applications.models import Evidence
from tidu.applications.testing import minimal_pdf_bytes

BUCKET = "tidu-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        message = "未安装 moto[server]（开发依赖），跳过 S3 存储测试：pip install -c requirements.lock -e '.[dev]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    import boto3

    credentials = {"aws_access_key_id": "tidu-test", "aws_secret_access_key": "tidu-test-secret"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "region_name": "us-east-1",
                    "access_key": credentials["aws_access_key_id"],
                    "secret_key": credentials["aws_secret_access_key"],
                    "default_acl": "private", "querystring_auth": True}}}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.mark.django_db
def test_evidence_goes_to_the_bucket_and_back_only_through_the_checked_download(client, s3_storage, users, app_a,
                                                                               django_capture_on_commit_callbacks):
    content = minimal_pdf_bytes("营业执照")
    client.force_login(users["a"])
    response = client.post(reverse("applications:evidence_upload", args=[app_a.pk, "conditions"]),
                           {"topic": "申报条件1", "file": SimpleUploadedFile("营业执照.pdf", content, "application/pdf")})
    assert response.status_code == 302
    evidence = Evidence.objects.get(application=app_a)
    assert _keys(s3_storage) == [evidence.file.name]  # stored in the bucket, under its hash
    stored = s3_storage.get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == evidence.sha256

    download = reverse("applications:evidence_download", args=[evidence.pk])
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content

    client.force_login(users["b"])  # another enterprise: the file is not there for it
    assert client.get(download).status_code == 404

    client.force_login(users["a"])
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row's deletion commits
        response = client.post(reverse("applications:evidence_delete", args=[evidence.pk]))
    assert response.status_code == 302
    assert _keys(s3_storage) == []


@pytest.mark.django_db
def test_healthz_probes_the_bucket(client, s3_storage):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["backend"] == "S3Storage"
    assert _keys(s3_storage) == []  # the probe object is gone again
