"""LFS objects: one content-addressed store, and which repository may serve which object.

Objects are kept once at ``<data_dir>/lfs/objects/ab/cd/<sha256>`` (deduplicated across
repositories), but an object belongs to the repositories that reference it. Each repo
folder keeps an index of the oids its commits ever referenced (``hubmagic-lfs-oids``,
appended at commit) and a marker per object uploaded for it but not yet committed
(``hubmagic-lfs-uploads/<oid>``). A repo serves and lets commits reference only those,
so knowing an oid gives nothing: whoever wants an object in their repo must upload its
bytes. Deleting a repo deletes its index, hence its claim on the objects.

Upload and download hrefs are used without the client's token, so they carry the repo,
the oid, the size and an expiry, signed with an HMAC of the server's key.

Objects no index references are collected once older than a grace period (their mtime
is the upload time, refreshed when a commit claims them), so an upload in progress or
awaiting its commit is never lost, and a store shared by several repos keeps an object
while any of them references it.

An owner may also delete objects of a repo permanently (``lfs-files/batch``): the repo
forgets them (``RepoObjects.forget``), then the store removes each one no other repo's
index or upload marker lists (``LfsStore.remove``). Removal and the marking of a finished
upload hold the same lock, so an object another repo just received is either seen as
theirs and kept, or found gone by that upload, which then fails instead of leaving a
marker to a missing object.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .errors import HubError

_CHUNK = 1024 * 1024
DEFAULT_GRACE_SECONDS = 24 * 3600
DEFAULT_HREF_SECONDS = 3600
INDEX_FILE = "hubmagic-lfs-oids"
UPLOADS_DIR = "hubmagic-lfs-uploads"


class LfsStore:
    def __init__(self, root: Path, *, href_seconds: float = DEFAULT_HREF_SECONDS):
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"
        self.href_seconds = href_seconds
        # Held while removing objects and while marking an upload (see the module docstring).
        self.removal_lock = threading.Lock()
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

    def touch(self, oid: str) -> None:
        """Restart the object's grace period (a commit is about to reference it)."""
        with contextlib.suppress(FileNotFoundError):
            os.utime(self.path(oid))

    # -- signed hrefs ---------------------------------------------------------

    def _signature(self, action: str, repo_type: str, repo_id: str, oid: str, size: int, expires: int) -> str:
        message = f"{action}\n{repo_type}\n{repo_id.lower()}\n{oid}\n{size}\n{expires}"
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def href(self, base_url: str, action: str, repo_type: str, repo_id: str, oid: str, size: int) -> dict:
        """A batch-API action (``upload``/``download``) whose href works for ``href_seconds``."""
        expires = math.ceil(time.time() + self.href_seconds)  # never shorter than href_seconds
        signature = self._signature(action, repo_type, repo_id, oid, size, expires)
        return {"href": f"{base_url}/lfs-{action}/{repo_type}/{repo_id}/{oid}/{size}/{expires}/{signature}",
                "expires_in": int(self.href_seconds)}

    def check_href(self, action: str, repo_type: str, repo_id: str, oid: str, size: str, expires: str,
                   signature: str) -> int:
        """The object size an href was signed for.

        Raises:
            HubError: 403 when the href was not made by this server or has expired.
        """
        if not size.isdigit() or not expires.isdigit():
            raise HubError(403, f"Invalid LFS {action} link. Run the {action} again to get a new one.")
        expected = self._signature(action, repo_type, repo_id, oid, int(size), int(expires))
        if not hmac.compare_digest(expected, signature):
            raise HubError(403, f"Invalid LFS {action} link. Run the {action} again to get a new one.")
        if int(expires) < time.time():
            raise HubError(403, f"This LFS {action} link has expired. Run the {action} again to get a new one.")
        return int(size)

    # -- content --------------------------------------------------------------

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
            # Replacing an existing object also restarts its grace period.
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

    def remove(self, oids: set[str], referenced_elsewhere: Callable[[set[str]], set[str]]) -> list[str]:
        """Delete the objects ``oids`` now, except those ``referenced_elsewhere(oids)`` returns.

        ``referenced_elsewhere`` is called under ``removal_lock``: it must list the oids that
        any other repository's index or upload markers hold (``referenced_by``).
        """
        if not oids:
            return []
        removed = []
        with self.removal_lock:
            keep = referenced_elsewhere(set(oids))
            for oid in sorted(set(oids) - keep):
                try:
                    self.path(oid).unlink()
                    removed.append(oid)
                except FileNotFoundError:
                    continue
        return removed

    def collect(self, grace_seconds: float, referenced: Callable[[], set[str]]) -> list[str]:
        """Delete objects older than the grace period that ``referenced()`` does not list.

        ``referenced`` is only called when there is a candidate, so a store with nothing
        to collect costs one ``stat`` per object.
        """
        cutoff = time.time() - grace_seconds
        candidates = []
        for path in self.objects.glob("??/??/*"):
            try:
                if path.stat().st_mtime < cutoff:
                    candidates.append(path)
            except FileNotFoundError:
                continue
        if not candidates:
            return []
        keep = referenced()
        collected = []
        for path in candidates:
            if path.name in keep:
                continue
            try:
                # Checked again: an upload or a claim may have refreshed it meanwhile.
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    collected.append(path.name)
            except FileNotFoundError:
                continue
        return collected


class RepoObjects:
    """The LFS objects one repository may serve and reference.

    Args:
        store: The shared object store.
        repo_path: The repo's folder (its index and upload markers live there).
        lock: The repo's write lock (guards building and appending the index).
        open_git: Returns the repo's ``GitRepo``; used once to index a repo created
            before indexes existed.
    """

    def __init__(self, store: LfsStore, repo_path: Path, lock, open_git: Callable):
        self.store = store
        self.index_file = repo_path / INDEX_FILE
        self.uploads = repo_path / UPLOADS_DIR
        self._lock = lock
        self._open_git = open_git
        self._oids: set[str] | None = None
        self.claimed: set[str] = set()

    def oids(self) -> set[str]:
        """Every oid a commit of this repo ever referenced (any ref, or reachable by sha)."""
        if self._oids is None:
            try:
                self._oids = read_index(self.index_file.parent)
            except FileNotFoundError:
                self._oids = self._build_index()
        return self._oids

    def _build_index(self) -> set[str]:
        with self._lock:
            if self.index_file.exists():
                return read_index(self.index_file.parent)
            git = self._open_git()
            try:
                oids = git.lfs_oids()
            finally:
                git.close()
            tmp = self.index_file.with_name(INDEX_FILE + ".tmp")
            tmp.write_text("".join(f"{oid}\n" for oid in sorted(oids)))
            os.replace(tmp, self.index_file)
            return oids

    def serves(self, oid: str, size: int) -> bool:
        """Whether a reader of this repo may download ``oid``."""
        return oid in self.oids() and self.store.has(oid, size)

    def holds(self, oid: str, size: int) -> bool:
        """Whether ``oid`` is in this repo or was uploaded for it (an upload can be skipped)."""
        return (oid in self.oids() or (self.uploads / oid).exists()) and self.store.has(oid, size)

    def mark_uploaded(self, oid: str) -> None:
        """Record that ``oid``'s bytes were uploaded for this repo.

        Raises:
            HubError: 404 when the repo was deleted during the upload.
        """
        with self.store.removal_lock:
            try:
                self.uploads.mkdir(exist_ok=True)  # never parents: that would resurrect a deleted repo
                (self.uploads / oid).touch()
            except FileNotFoundError:
                raise HubError(404, "The repository this upload was for no longer exists") from None
            if not self.store.path(oid).is_file():  # permanently deleted by another repo's owner meanwhile
                (self.uploads / oid).unlink(missing_ok=True)
                raise HubError(409, f"LFS object {oid} was deleted while it was uploaded. Upload it again.")

    def claim(self, oid: str, size, path: str) -> int:
        """Let the commit being built reference ``oid`` at ``path``; returns the object size.

        Raises:
            HubError: 400 when the object was neither uploaded for this repo nor already in it.
        """
        actual = self.store.size(oid)
        known = oid in self.oids() or (self.uploads / oid).exists()
        if not known or actual is None or (size is not None and size != actual):
            raise HubError(400, f"LFS object {oid} for {path} was not uploaded to this repository (or its size "
                                "differs). Upload the file's content (upload_file/upload_folder do it for you) "
                                "instead of referencing an object by its oid.")
        self.store.touch(oid)  # kept by the collector until the index lists it
        self.claimed.add(oid)
        return actual

    def record_claims(self) -> None:
        """Add the claimed oids to the index; call under the repo lock, before moving a ref."""
        new = sorted(self.claimed - self.oids())
        if new:
            # Appending one short write is atomic enough; a torn line is ignored on read.
            with open(self.index_file, "a") as index:
                index.write("".join(f"{oid}\n" for oid in new))
            self.oids().update(new)
        for oid in self.claimed:
            (self.uploads / oid).unlink(missing_ok=True)
        self.claimed.clear()

    def forget(self, oids: set[str]) -> None:
        """Drop ``oids`` from the index and the upload markers; call under the repo lock.

        The repo no longer serves them nor lets a commit reference them without uploading
        their bytes again. The index is rewritten whole (then replaced atomically): appends
        happen under the same lock (``record_claims``).
        """
        current = self.oids()
        kept = current - oids
        if kept != current:
            tmp = self.index_file.with_name(INDEX_FILE + ".tmp")
            tmp.write_text("".join(f"{oid}\n" for oid in sorted(kept)))
            os.replace(tmp, self.index_file)
            self._oids = kept
        for oid in oids:
            (self.uploads / oid).unlink(missing_ok=True)

    def drop_stale_uploads(self, grace_seconds: float) -> None:
        """Forget uploads never committed within the grace period."""
        cutoff = time.time() - grace_seconds
        try:
            markers = list(self.uploads.iterdir())
        except FileNotFoundError:
            return
        for marker in markers:
            try:
                if marker.stat().st_mtime < cutoff:
                    marker.unlink()
            except FileNotFoundError:
                continue


def read_index(repo_path: Path) -> set[str]:
    """The oids listed in a repo's index (a torn last line is ignored).

    Raises:
        FileNotFoundError: the repo has no index yet (``RepoObjects.oids`` builds it).
    """
    return {line for line in (repo_path / INDEX_FILE).read_text().split("\n") if len(line) == 64}


def referenced_by(repo_paths, oids: set[str]) -> set[str]:
    """Those of ``oids`` that the repos in ``repo_paths`` list in their index or upload markers.

    A repo whose index cannot be read (moved or deleted meanwhile, or never indexed) is
    taken to hold them all: an object is never removed on a guess.
    """
    found: set[str] = set()
    for path in repo_paths:
        wanted = oids - found
        if not wanted:
            break
        try:
            found |= read_index(path) & wanted
        except (FileNotFoundError, NotADirectoryError):
            found |= wanted
            break
        found |= {oid for oid in wanted if (path / UPLOADS_DIR / oid).exists()}
    return found
