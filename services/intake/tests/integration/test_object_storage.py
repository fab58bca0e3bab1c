"""Attachments in an S3-compatible object store, against a real S3 server (moto's) started here:
stored once per content, read back, absent keys are KeyError, and intake configured for it keeps a
report's attachment there."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from aftercare_platform.testing.ports import free_port
from intake.adapters.attachment_storage import ObjectStoreAttachmentStorage, storage_key
from intake.bootstrap import attachment_storage
from intake.settings import IntakeSettings
from moto.server import ThreadedMotoServer

BUCKET = "aftercare-attachments"
KEYS = {"access_key": "testing-access", "secret_key": "testing-secret", "region": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing-access",
                 aws_secret_access_key="testing-secret").create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


def store(endpoint: str) -> ObjectStoreAttachmentStorage:
    return ObjectStoreAttachmentStorage(bucket=BUCKET, endpoint_url=endpoint, prefix="east/", **KEYS)


async def test_an_attachment_is_stored_once_by_content_and_read_back(s3_endpoint: str) -> None:
    storage = store(s3_endpoint)
    storage.check()
    data = b"%PDF-1.4 " + bytes(range(256)) * 100
    key = await storage.put(data)
    assert key == storage_key(data) and await storage.put(data) == key
    assert await storage.get(key) == data
    raw = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                       aws_access_key_id="testing-access", aws_secret_access_key="testing-secret")
    listed = raw.list_objects_v2(Bucket=BUCKET, Prefix="east/")
    assert [o["Key"] for o in listed["Contents"]] == [f"east/{key}"]
    assert raw.get_object(Bucket=BUCKET, Key=f"east/{key}")["Body"].read() == data


async def test_an_absent_or_forged_key_is_a_key_error(s3_endpoint: str) -> None:
    storage = store(s3_endpoint)
    with pytest.raises(KeyError):
        await storage.get(storage_key(b"never stored"))
    with pytest.raises(KeyError):
        await storage.get("../../etc/passwd")


async def test_the_service_settings_choose_the_object_store(s3_endpoint: str) -> None:
    settings = IntakeSettings(attachment_storage="s3", attachment_s3_bucket=BUCKET,
                              attachment_s3_endpoint_url=s3_endpoint, attachment_s3_region="us-east-1",
                              attachment_s3_access_key="testing-access", attachment_s3_secret_key="testing-secret")
    chosen = attachment_storage(settings)
    assert isinstance(chosen, ObjectStoreAttachmentStorage)
    key = await chosen.put(b"scan of the fax")
    assert await chosen.get(key) == b"scan of the fax"
    with pytest.raises(ValueError, match="ATTACHMENT_S3_BUCKET"):
        IntakeSettings(attachment_storage="s3")
