"""Compare a local repository folder with a remote revision, file by file.

The Hub identifies a regular file by its git blob id (sha1 of ``"blob <size>\\0" +
content``) and an LFS file by the sha256 of its content. Computing the same ids locally
tells which files a push would add, modify or delete without uploading anything, so an
unchanged folder makes no commit at all.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from hubmagic.repository._state import STATE_DIR

# Never published: hubmagic's own bookkeeping, VCS and editor/OS droppings.
ALWAYS_IGNORED = [
    f"{STATE_DIR}",
    f"{STATE_DIR}/*",
    f"**/{STATE_DIR}/**",
    ".git",
    ".git/*",
    "**/.git/**",
    ".cache/*",
    "**/.cache/**",
    "**/__pycache__/**",
    "__pycache__/*",
    "**/.ipynb_checkpoints/**",
    ".ipynb_checkpoints/*",
    "*.pyc",
    ".DS_Store",
]
# Created by the Hub in every new repository; deleting it would change how files are stored.
HUB_MANAGED = {".gitattributes"}


def _as_list(patterns) -> list[str]:
    if patterns is None:
        return []
    return [patterns] if isinstance(patterns, str) else list(patterns)


def select_paths(paths, allow_patterns=None, ignore_patterns=None) -> list[str]:
    """Paths (posix, relative) kept by the allow/ignore patterns and the built-in ignores."""
    from huggingface_hub.utils import filter_repo_objects

    ignore = _as_list(ignore_patterns) + ALWAYS_IGNORED
    kept = filter_repo_objects(list(paths), allow_patterns=allow_patterns, ignore_patterns=ignore)
    return sorted(str(p) for p in kept)


def local_paths(folder: str | os.PathLike, allow_patterns=None, ignore_patterns=None) -> list[str]:
    """Relative posix paths of the files of ``folder`` that a push would publish."""
    root = Path(folder)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        # Prune folders that are never published (don't walk a .git of thousands of objects).
        dirnames[:] = [d for d in dirnames if d not in {STATE_DIR, ".git", "__pycache__", ".ipynb_checkpoints"}]
        for name in filenames:
            found.append(Path(dirpath, name).relative_to(root).as_posix())
    return select_paths(found, allow_patterns, ignore_patterns)


# The Hub stores files over 10 MB with LFS, where only their sha256 names them.
GIT_BLOB_LIMIT = 10 << 20


@dataclass
class LocalFile:
    """What the Hub compares: ``blob_id`` (git sha1; None over ``GIT_BLOB_LIMIT``) and ``sha256``."""

    path: str
    size: int
    blob_id: str | None
    sha256: str


class Hashes:
    """The git blob id (small files) and sha256 of a stream of chunks of known total ``size``."""

    def __init__(self, size: int):
        self.size, self.seen = size, 0
        self._blob = hashlib.sha1(b"blob %d\0" % size) if size <= GIT_BLOB_LIMIT else None
        self._sha = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        self.seen += len(chunk)
        if self._blob is not None:
            self._blob.update(chunk)
        self._sha.update(chunk)

    def local_file(self, path: str) -> LocalFile:
        blob = self._blob.hexdigest() if self._blob is not None else None
        return LocalFile(path, self.size, blob, self._sha.hexdigest())


def file_ids(folder: str | os.PathLike, rel: str) -> LocalFile:
    """Hashes of one file, read in chunks (models can be big)."""
    path = Path(folder, rel)
    hashes = Hashes(path.stat().st_size)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            hashes.update(chunk)
    return hashes.local_file(rel)


@dataclass
class RemoteFile:
    path: str
    size: int
    blob_id: str
    sha256: str | None  # set for LFS files


@dataclass
class FolderDiff:
    """What differs between a local folder and one remote commit."""

    added: list[tuple[str, int]] = field(default_factory=list)
    modified: list[tuple[str, int]] = field(default_factory=list)
    deleted: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[tuple[str, int]] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.modified or self.deleted)

    def describe(self) -> str:
        """Lines like ``+ model.skops (1.2 kB)``, ``~ README.md``, ``- old.txt``."""
        lines = [f"+ {p} ({human_size(s)})" for p, s in self.added]
        lines += [f"~ {p} ({human_size(s)})" for p, s in self.modified]
        lines += [f"- {p}" for p, _ in self.deleted]
        return "\n".join(lines) if lines else "(no changes)"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def remote_files(api, repo_id: str, revision: str) -> dict[str, RemoteFile]:
    """Files of ``repo_id`` at ``revision`` (a commit id preferably), keyed by path."""
    from huggingface_hub.hf_api import RepoFile

    files = {}
    for entry in api.list_repo_tree(repo_id, revision=revision, recursive=True):
        if isinstance(entry, RepoFile):
            sha = entry.lfs.sha256 if entry.lfs is not None else None
            files[entry.path] = RemoteFile(entry.path, entry.size, entry.blob_id, sha)
    return files


def sibling_files(siblings) -> dict[str, RemoteFile]:
    """The files of a ``repo_info(..., files_metadata=True)`` answer, keyed by path."""
    files = {}
    for sibling in siblings:
        sha = sibling.lfs.sha256 if sibling.lfs is not None else None
        files[sibling.rfilename] = RemoteFile(sibling.rfilename, sibling.size, sibling.blob_id, sha)
    return files


def diff_folder(
    folder: str | os.PathLike,
    remote: dict[str, RemoteFile],
    paths: list[str],
    allow_patterns=None,
    ignore_patterns=None,
    local: dict[str, LocalFile] | None = None,
) -> FolderDiff:
    """Compare the local ``paths`` of ``folder`` with ``remote``.

    Remote files outside the allow/ignore patterns are left alone (neither compared nor
    deleted), and so is the Hub-managed ``.gitattributes`` unless the folder has one.
    ``local`` holds hashes already known (a push's one read); other files are read here.
    """
    diff = FolderDiff()
    for rel in paths:
        mine = (local or {}).get(rel) or file_ids(folder, rel)
        other = remote.get(rel)
        if other is None:
            diff.added.append((rel, mine.size))
        elif (mine.sha256 == other.sha256) if other.sha256 else (mine.blob_id == other.blob_id):
            diff.unchanged.append((rel, mine.size))
        else:
            diff.modified.append((rel, mine.size))
    managed = set(select_paths(remote, allow_patterns, ignore_patterns)) - HUB_MANAGED
    for rel in sorted(managed - set(paths)):
        diff.deleted.append((rel, remote[rel].size))
    return diff
