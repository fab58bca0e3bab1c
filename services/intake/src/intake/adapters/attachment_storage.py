"""Where attachments are kept: a port, a filesystem implementation (one node, development) and an
S3-compatible object store (what a platform team runs: AWS S3, MinIO, Ceph RGW).

Content-addressed: the key is the SHA-256 of the bytes, so storing the same file twice (a retried
submission, a forwarded mail) keeps one copy, and a key can be checked against its content."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^sha256/[0-9a-f]{2}/[0-9a-f]{64}$")


class AttachmentStorage(Protocol):
    async def put(self, data: bytes) -> str:
        """Store the bytes; returns their storage key."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under `key`; KeyError when there are none."""
        ...


def storage_key(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"sha256/{digest[:2]}/{digest}"


class FileSystemAttachmentStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise KeyError(key)
        return self.root / key

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # write then rename: a crash never leaves a half file under a valid key
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    async def put(self, data: bytes) -> str:
        key = storage_key(data)
        await asyncio.to_thread(self._write, key, data)
        return key

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise KeyError(key) from None


class ObjectStoreAttachmentStorage:
    """An S3-compatible bucket: the key is the object key, under `prefix`. boto3 is blocking, so each
    call runs in a thread; an object that exists already is not written again (content-addressed)."""

    def __init__(self, *, bucket: str, endpoint_url: str | None, region: str | None, access_key: str | None,
                 secret_key: str | None, prefix: str = "attachments/") -> None:
        import boto3  # only a service configured for object storage needs it loaded

        self._bucket = bucket
        self._prefix = prefix
        self._client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                    aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None)

    def _object(self, key: str) -> str:
        if not _KEY.match(key):
            raise KeyError(key)
        return self._prefix + key

    def _write(self, key: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        name = self._object(key)
        try:
            self._client.head_object(Bucket=self._bucket, Key=name)
            return
        except ClientError as missing:
            if missing.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        digest = hashlib.sha256(data).digest()
        self._client.put_object(Bucket=self._bucket, Key=name, Body=data,
                                ChecksumSHA256=base64.b64encode(digest).decode())

    def _read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            found = self._client.get_object(Bucket=self._bucket, Key=self._object(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise KeyError(key) from None
            raise
        return bytes(found["Body"].read())

    async def put(self, data: bytes) -> str:
        key = storage_key(data)
        await asyncio.to_thread(self._write, key, data)
        return key

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._read, key)

    def check(self) -> None:
        """The bucket answers (readiness, and a clear error at start when it is misconfigured)."""
        self._client.head_bucket(Bucket=self._bucket)


class InMemoryAttachmentStorage:
    """For tests and embedded demos."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, data: bytes) -> str:
        key = storage_key(data)
        self.blobs[key] = data
        return key

    async def get(self, key: str) -> bytes:
        return self.blobs[key]
