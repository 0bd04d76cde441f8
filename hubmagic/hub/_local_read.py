"""The push's one read of each local file: the secret scan and the Hub's hashes share it.

The Hub names a regular file by its git blob id and an LFS file by its sha256; the secret
scan must see every byte too. Both are taken from the same chunks (``scan_file``'s
``on_chunk``), so a push reads a file once, plus the upload of the files that changed.

A file read by a successful push is remembered in ``.hubmagic/state.json`` with its size,
mtime and inode: the next push trusts those hashes and that scan (for the same tokens and
hubmagic version) while the three are unchanged, so an unchanged re-push reads nothing.
An entry is trusted only if the file's mtime was older than the read by more than the
file system's clock step (the "racy" case of git: a file rewritten within the same tick
would otherwise keep its mtime and look unchanged).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hubmagic.hub._sync import Hashes, LocalFile, file_ids
from hubmagic.repository import _state as repo_state

_FINE_CLOCK_NS = 50_000_000  # Linux/macOS/Windows file systems stamp mtimes within a few ms
_COARSE_CLOCK_NS = 2_000_000_000  # FAT, HFS+ and some network file systems: whole seconds


@dataclass
class LocalRead:
    """The result of reading the files of a push: findings, hashes, and cache entries."""

    files: dict[str, LocalFile] = field(default_factory=dict)
    findings: list = field(default_factory=list)
    bytes_read: int = 0  # what this read really took from the disk (0 when all was cached)
    cache: dict = field(default_factory=dict, repr=False)


@functools.cache
def _scanner_version() -> str:
    import hubmagic
    from hubmagic.secrets.scanner import STREAM_THRESHOLD

    try:
        detectors = importlib.metadata.version("detect-secrets")
    except importlib.metadata.PackageNotFoundError:
        detectors = "?"
    return f"{hubmagic.__version__}|{detectors}|{STREAM_THRESHOLD}"


def scan_key(known_secrets) -> str:
    """What a cached "no secrets" depends on: the scanner's versions and the user's tokens (hashed)."""
    material = json.dumps([_scanner_version(), sorted(set(known_secrets))])
    return hashlib.sha256(material.encode()).hexdigest()


def read_files(folder: Path, paths: list[str], known_secrets, *,
               progress: Callable[[str | None, int, int], None] | None = None, state: dict | None = None) -> LocalRead:
    """Scan and hash ``paths`` of ``folder``, each in one read (none when the cache has it).

    ``progress(path, bytes_done, bytes_total)`` follows the bytes: ``path`` is set once
    a file is done, ``None`` at the start and in between (a big file's read). ``state`` is
    the folder's state, if the caller has read it.
    """
    known = [s for s in dict.fromkeys(known_secrets) if isinstance(s, str) and len(s) >= 8]
    key = scan_key(known)
    cached = repo_state.read_file_cache(folder, state=state)
    stats = {rel: os.stat(Path(folder, rel)) for rel in paths}
    total = sum(st.st_size for st in stats.values())
    meter = _Meter(progress, total)
    if progress is not None:
        progress(None, 0, total)
    result = LocalRead()
    with _HashWorker() as pool:
        _read_into(result, folder, paths, stats, cached, known, key, meter, pool)
    result.findings.sort(key=lambda f: (f.file, f.line, f.kind))
    return result


def _read_into(result: LocalRead, folder, paths, stats, cached, known, key, meter, pool) -> None:
    from hubmagic.secrets.filescan import scan_file
    from hubmagic.secrets.scanner import STREAM_THRESHOLD

    for rel in paths:
        st, entry = stats[rel], cached.get(rel)
        if _trusted(entry, st) and entry.get("scan") == key:
            result.files[rel] = LocalFile(rel, st.st_size, entry["blob"], entry["sha256"])
            result.cache[rel] = entry
            meter.file_done(rel, st.st_size)
            continue
        read_at = time.time_ns()
        hashes = _ParallelHashes(Hashes(st.st_size), pool.get() if st.st_size > _PARALLEL_FROM else None)

        def on_chunk(chunk, hashes=hashes):
            hashes.update(chunk)
            meter.advance(len(chunk))

        try:
            findings = scan_file(Path(folder, rel), rel, known, STREAM_THRESHOLD, on_chunk=on_chunk)
        finally:
            hashes.wait()
        hashes = hashes.hashes
        result.bytes_read += hashes.seen
        if hashes.seen != st.st_size or _stat_key(os.stat(Path(folder, rel))) != _stat_key(st):
            # changed while read, or unreadable: hash it on its own (raises if unreadable), never cache it
            result.files[rel] = file_ids(folder, rel)
        else:
            result.files[rel] = hashes.local_file(rel)
            local = result.files[rel]
            result.cache[rel] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino,
                                 "read_at": read_at, "blob": local.blob_id, "sha256": local.sha256,
                                 "scan": None if findings else key}
        result.findings += findings
        meter.file_done(rel, 0)


_PARALLEL_FROM = 4 << 20  # smaller files are hashed in the scan's thread: a hand-off costs more than it saves


class _HashWorker:
    """The hashing thread, started only when a file is large enough to need it."""

    def __init__(self):
        self.pool: ThreadPoolExecutor | None = None

    def get(self) -> ThreadPoolExecutor:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubmagic-hash")
        return self.pool

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown()


class _ParallelHashes:
    """Hash each chunk in a worker thread while the scan looks at the next one.

    hashlib releases the GIL on large buffers, so on two cores the hashes cost no time
    beside the scan; one chunk at most waits, so memory stays at two chunks. With no
    pool, each chunk is hashed at once, in this thread.
    """

    def __init__(self, hashes: Hashes, pool: ThreadPoolExecutor | None):
        self.hashes, self.pool, self.pending = hashes, pool, None

    def update(self, chunk: bytes) -> None:
        if self.pool is None:
            self.hashes.update(chunk)
            return
        self.wait()
        self.pending = self.pool.submit(self.hashes.update, chunk)

    def wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None


def cached_files(folder: Path, paths: list[str]) -> dict[str, LocalFile]:
    """The hashes the cache still vouches for (what ``status`` compares without reading)."""
    cached, known = repo_state.read_file_cache(folder), {}
    for rel in paths:
        try:
            st = os.stat(Path(folder, rel))
        except OSError:
            continue
        entry = cached.get(rel)
        if _trusted(entry, st):
            known[rel] = LocalFile(rel, st.st_size, entry.get("blob"), entry["sha256"])
    return known


def _stat_key(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


def _trusted(entry: dict | None, st: os.stat_result) -> bool:
    if not isinstance(entry, dict):
        return False
    try:
        same = (entry["size"], entry["mtime_ns"], entry["ino"]) == _stat_key(st)
        step = _COARSE_CLOCK_NS if st.st_mtime_ns % 1_000_000_000 == 0 else _FINE_CLOCK_NS
        return same and st.st_mtime_ns < entry["read_at"] - step and bool(entry["sha256"])
    except (KeyError, TypeError):
        return False


class _Meter:
    """Progress over bytes, reported at most every 1% (and at each file's end); thread-safe."""

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done, self.reported = progress, total, 0, 0
        self.step = max(total // 100, 1 << 20)
        self.lock = threading.Lock()

    def advance(self, size: int) -> None:
        with self.lock:
            self.done = min(self.done + size, self.total)
            if self.progress is not None and self.done - self.reported >= self.step:
                self.reported = self.done
                self.progress(None, self.done, self.total)

    def file_done(self, path: str, size: int) -> None:
        with self.lock:
            self.done = min(self.done + size, self.total)
            self.reported = self.done
            if self.progress is not None:
                self.progress(path, self.done, self.total)
