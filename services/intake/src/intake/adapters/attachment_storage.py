"""Where attachments are kept: a port, and a filesystem implementation (object storage can come later).

Content-addressed: the key is the SHA-256 of the bytes, so storing the same file twice (a retried
submission, a forwarded mail) keeps one copy, and a key can be checked against its content."""

from __future__ import annotations

import asyncio
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
