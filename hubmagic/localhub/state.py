"""The state one local Hub serves: accounts, repositories, LFS objects, access rules."""

from __future__ import annotations

import collections
import logging
import threading
import time
from pathlib import Path

from . import access
from .auth import Accounts
from .errors import HubError, Redirect, repo_not_found
from .lfs_store import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_HREF_SECONDS,
    LfsStore,
    RepoObjects,
    read_index,
    referenced_by,
)
from .storage import REPO_TYPES, RepoRecord, Storage

logger = logging.getLogger("hubmagic.localhub")


class HubState:
    def __init__(self, data_dir: Path, users: dict[str, str] | None = None, orgs: dict[str, list[str]] | None = None,
                 *, lfs_grace_seconds: float = DEFAULT_GRACE_SECONDS, lfs_href_seconds: float = DEFAULT_HREF_SECONDS):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.accounts = Accounts(self.data_dir / "accounts.json")
        self.accounts.merge(users, orgs)
        self.storage = Storage(self.data_dir)
        access.migrate_granted(self.storage)
        self.lfs = LfsStore(self.data_dir / "lfs", href_seconds=lfs_href_seconds)
        self.lfs_grace_seconds = lfs_grace_seconds
        self._collecting = threading.Lock()
        self._next_collection = 0.0
        # The last requests served, ``(method, path)``: lets tests and users check
        # e.g. that a cached download did not fetch the file again.
        # Long enough for a whole test session: tests use its length as a cursor, which
        # stops moving once the deque is full. Paths are cut at 256 characters: ~16 MiB at most.
        self.recent_requests: collections.deque = collections.deque(maxlen=50_000)
        self.collect_lfs_if_due()

    def repo_objects(self, record: RepoRecord) -> RepoObjects:
        """The LFS objects ``record`` may serve and reference."""
        return RepoObjects(self.lfs, record.path, self.storage.lock(record), record.git)

    def collect_lfs_if_due(self) -> None:
        """Collect LFS objects no repo references once their grace period is over.

        Called at start and after uploads; runs at most once per grace period (an hour
        at most) so that scanning the store stays rare.
        """
        if time.time() < self._next_collection or not self._collecting.acquire(blocking=False):
            return
        try:
            self._next_collection = time.time() + min(self.lfs_grace_seconds, 3600)
            for record in self._all_repos():
                self.repo_objects(record).drop_stale_uploads(self.lfs_grace_seconds)
            self.lfs.collect(self.lfs_grace_seconds, self._referenced_lfs)
        except Exception:  # an unreadable repo: collect nothing rather than something still used
            logger.exception("localhub: LFS collection skipped")
        finally:
            self._collecting.release()

    def _all_repos(self) -> list[RepoRecord]:
        return [record for t in REPO_TYPES for record in self.storage.all(t)]

    def _index_all(self) -> None:
        """Index the repos made before indexes existed, so that every object they reference is
        known. One that cannot be indexed (deleted meanwhile) is left as it is: the callers
        treat a missing index as holding everything."""
        for record in self._all_repos():
            try:
                self.repo_objects(record).oids()
            except Exception:  # noqa: BLE001 - an unreadable repo keeps every object (see the callers)
                logger.debug("localhub: could not index %s", record.id, exc_info=True)

    def remove_lfs_objects(self, record: RepoRecord, oids: set[str]) -> list[str]:
        """Delete from the store those of ``oids`` (permanently deleted from ``record``) that no
        other repository holds in its index or its uploads; returns the oids removed."""
        self._index_all()
        own = record.path.resolve()

        def elsewhere(candidates: set[str]) -> set[str]:
            others = [path for path in self.storage.repo_paths() if path.resolve() != own]
            return referenced_by(others, candidates)

        return self.lfs.remove(oids, elsewhere)

    def _referenced_lfs(self) -> set[str]:
        self._index_all()
        # Under the registry lock no repo is created, moved or deleted while counting, so
        # none is missed half-way through a rename. No repo lock is taken there (a commit
        # holds its repo's lock while asking for the registry's); an index still missing
        # raises, which skips this collection.
        with self.storage._registry_lock:
            found: set[str] = set()
            for record in self._all_repos():
                found |= read_index(record.path)
            return found

    def can_read(self, user: str | None, record: RepoRecord) -> bool:
        return not record.private or self.accounts.can_write(user, record.namespace)

    def can_write(self, user: str | None, record: RepoRecord) -> bool:
        return self.accounts.can_write(user, record.namespace)

    def readable(self, call, repo_type: str, repo_id: str) -> RepoRecord:
        """The repo if ``call.user`` may see it; otherwise ``RepoNotFound`` as on the Hub."""
        record = self.storage.find(repo_type, repo_id)
        if record is None:
            moved_to = self.storage.moved_to(repo_type, repo_id)
            target = self.storage.find(repo_type, moved_to) if moved_to else None
            if target is not None and self.can_read(call.user, target):
                raise Redirect(repo_id, target.id)
        if record is None or not self.can_read(call.user, record):
            raise repo_not_found(authenticated=call.user is not None)
        return record

    def require_download(self, call, record: RepoRecord) -> None:
        """Gated repos: only owners and users whose access request was accepted may download files."""
        if not record.meta.get("gated") or self.can_write(call.user, record) or access.has_access(record, call.user):
            return
        url = call.repo_url(record.type, record.id)
        raise HubError(403 if call.user else 401,
                       f"Access to {record.type} {record.id} is restricted and you are not in the authorized list. "
                       f"Visit {url} to ask for access.", "GatedRepo")

    def require_write(self, call, record: RepoRecord) -> None:
        if call.user is None:
            raise HubError(401, "You must be authenticated to write to this repository")
        if not self.can_write(call.user, record):
            raise HubError(403, f"You don't have the rights to write to this {record.type} repository ({record.id})")

    def require_namespace(self, call, namespace: str) -> None:
        if call.user is None:
            raise HubError(401, "You must be authenticated to do this")
        if not self.accounts.can_write(call.user, namespace):
            raise HubError(403, "You don't have the rights to create or manage repos under the namespace "
                                f"{namespace!r}")
