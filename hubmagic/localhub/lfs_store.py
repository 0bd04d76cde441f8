"""Content-addressed store of LFS objects, shared by every repository.

Objects are kept at ``<data_dir>/lfs/objects/ab/cd/<sha256>``. An upload is streamed
into a temp file while hashing, checked against the announced sha256 and size, and
only then renamed into place, so a broken upload never leaves a half object.
Upload URLs carry an HMAC of ``oid:size`` because the client sends them without
its token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from pathlib import Path

from .errors import HubError

_CHUNK = 1024 * 1024


class LfsStore:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._drop_stale_uploads()
        key_file = root / "upload.key"
        if not key_file.exists():
            key_file.write_bytes(secrets.token_bytes(32))
            os.chmod(key_file, 0o600)
        self._key = key_file.read_bytes()

    def _drop_stale_uploads(self, older_than: float = 3600) -> None:
        # Left by a server killed mid-upload. Recent ones may belong to another
        # server process sharing this data dir, so they are kept.
        for leftover in self.tmp.iterdir():
            try:
                if time.time() - leftover.stat().st_mtime > older_than:
                    leftover.unlink()
            except OSError:
                pass

    def path(self, oid: str) -> Path:
        return self.objects / oid[:2] / oid[2:4] / oid

    def has(self, oid: str, size: int | None = None) -> bool:
        path = self.path(oid)
        if not path.is_file():
            return False
        return size is None or path.stat().st_size == size

    def size(self, oid: str) -> int | None:
        path = self.path(oid)
        return path.stat().st_size if path.is_file() else None

    def signature(self, oid: str, size: int) -> str:
        return hmac.new(self._key, f"{oid}:{size}".encode(), hashlib.sha256).hexdigest()

    def check_signature(self, oid: str, size: int, signature: str) -> bool:
        return hmac.compare_digest(self.signature(oid, size), signature)

    async def receive(self, oid: str, size: int, chunks) -> None:
        """Stream ``chunks`` (async iterator of bytes) into the store as object ``oid``.

        Raises:
            HubError: 400 when the body does not match the announced size or sha256.
        """
        digest = hashlib.sha256()
        received = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix=oid[:8] + "-")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    received += len(chunk)
                    if received > size:
                        raise HubError(400, f"Object {oid} is larger than the announced {size} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            if received != size:
                raise HubError(400, f"Object {oid}: received {received} bytes, expected {size}")
            if digest.hexdigest() != oid:
                raise HubError(400, f"Object {oid}: the content's sha256 does not match the oid")
            target = self.path(oid)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def read_range(self, oid: str, start: int, end: int):
        """Yield the bytes ``[start, end)`` of an object in chunks."""
        with open(self.path(oid), "rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                chunk = f.read(min(_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
