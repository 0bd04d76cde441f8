"""Where repositories live on disk, and their Hub-side settings.

Layout under the data dir::

    repos/<type>s/<namespace>/<name>.git/     bare git repository (clone it!)
    repos/<type>s/<namespace>/<name>.git/hubmagic.json   id, visibility, gating, discussions
    lfs/objects/ab/cd/<sha256>                LFS content (see ``lfs_store``)
    accounts.json                             users and orgs (see ``auth``)

Repo ids are case-insensitive as on the Hub: folders are lower-cased, the id as
created is kept in ``hubmagic.json``. Every write to a repo happens under that
repo's lock; reads need none because refs only move atomically.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .errors import HubError, conflict
from .gitrepo import GitRepo
from .patterns import default_gitattributes
from .safepath import repo_folder

REPO_TYPES = ("model", "dataset", "space")
META_FILE = "hubmagic.json"


def now_iso(ts: float | None = None) -> str:
    ts = time.time() if ts is None else ts
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


@dataclass
class RepoRecord:
    type: str
    id: str
    path: Path
    meta: dict = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        return self.id.split("/")[0] if "/" in self.id else ""

    @property
    def private(self) -> bool:
        return bool(self.meta.get("private"))

    def git(self) -> GitRepo:
        return GitRepo(self.path)


class Storage:
    def __init__(self, data_dir: Path):
        self.root = data_dir / "repos"
        self.trash = data_dir / "trash"
        for t in REPO_TYPES:
            (self.root / f"{t}s").mkdir(parents=True, exist_ok=True)
        self.trash.mkdir(exist_ok=True)
        self._redirects_file = data_dir / "moved.json"
        self._locks: dict[str, threading.RLock] = {}
        self._registry_lock = threading.RLock()

    def _path(self, repo_type: str, repo_id: str) -> Path:
        return repo_folder(self.root, repo_type, repo_id)

    def lock(self, record: RepoRecord) -> threading.RLock:
        with self._registry_lock:
            return self._locks.setdefault(f"{record.type}:{record.id.lower()}", threading.RLock())

    def find(self, repo_type: str, repo_id: str) -> RepoRecord | None:
        try:
            path = self._path(repo_type, repo_id)
        except HubError:
            return None  # an id no repo can have (e.g. "gpt2" with no namespace) is not found, as on the Hub
        meta_file = path / META_FILE
        try:
            meta = json.loads(meta_file.read_text())
        except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
            return None
        return RepoRecord(repo_type, meta["id"], path, meta)

    def create(self, repo_type: str, repo_id: str, *, private: bool, author: str) -> RepoRecord:
        with self._registry_lock:
            if self.find(repo_type, repo_id) is not None:
                raise conflict(f"You already created this {repo_type} repo")
            path = self._path(repo_type, repo_id)
            if path.exists():  # leftover of an interrupted creation
                shutil.rmtree(path)
            files = {".gitattributes": default_gitattributes(repo_type).encode()}
            if repo_type == "space":
                files["README.md"] = f"---\ntitle: {repo_id.split('/')[-1]}\nsdk: static\n---\n".encode()
            GitRepo.create(path, files, author=author).close()  # the Hub credits the creator
            meta = {"id": repo_id, "type": repo_type, "private": private, "gated": False,
                    "createdAt": now_iso(), "createdBy": author, "discussions": []}
            record = RepoRecord(repo_type, repo_id, path, meta)
            # The meta file is written last: a repo without it does not exist.
            self.save_meta(record)
            return record

    def save_meta(self, record: RepoRecord) -> None:
        tmp = record.path / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(record.meta, indent=1))
        os.replace(tmp, record.path / META_FILE)

    def delete(self, record: RepoRecord) -> None:
        with self._registry_lock, self.lock(record):
            target = self.trash / uuid.uuid4().hex
            os.replace(record.path, target)
        shutil.rmtree(target, ignore_errors=True)

    def move(self, record: RepoRecord, new_id: str) -> RepoRecord:
        with self._registry_lock, self.lock(record):
            if self.find(record.type, new_id) is not None:
                raise conflict(f"A {record.type} repository called {new_id} already exists")
            new_path = self._path(record.type, new_id)
            new_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(record.path, new_path)
            moved = RepoRecord(record.type, new_id, new_path, dict(record.meta, id=new_id))
            self.save_meta(moved)
            redirects = self._redirects()
            redirects[f"{record.type}:{record.id.lower()}"] = new_id
            tmp = self._redirects_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(redirects, indent=1))
            os.replace(tmp, self._redirects_file)
            return moved

    def _redirects(self) -> dict[str, str]:
        try:
            return json.loads(self._redirects_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def moved_to(self, repo_type: str, repo_id: str) -> str | None:
        """The new id of a repo that was moved away from ``repo_id``, if any."""
        return self._redirects().get(f"{repo_type}:{repo_id.lower()}")

    def repo_paths(self) -> list[Path]:
        """The folder of every repository of every type, listed while none is created, moved or deleted.

        A folder may be gone by the time it is read (moved or deleted after the listing).
        """
        with self._registry_lock:
            return [record.path for repo_type in REPO_TYPES for record in self.all(repo_type)]

    def all(self, repo_type: str):
        """Every repository of a type (unordered)."""
        for meta_file in (self.root / f"{repo_type}s").glob(f"*/*.git/{META_FILE}"):
            try:
                meta = json.loads(meta_file.read_text())
            except (OSError, json.JSONDecodeError):
                continue
            yield RepoRecord(repo_type, meta["id"], meta_file.parent, meta)
