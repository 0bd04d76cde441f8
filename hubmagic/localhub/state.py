"""The state one local Hub serves: accounts, repositories, LFS objects, access rules."""

from __future__ import annotations

import collections
from pathlib import Path

from .auth import Accounts
from .errors import HubError, Redirect, repo_not_found
from .lfs_store import LfsStore
from .storage import RepoRecord, Storage


class HubState:
    def __init__(self, data_dir: Path, users: dict[str, str] | None = None, orgs: dict[str, list[str]] | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.accounts = Accounts(self.data_dir / "accounts.json")
        self.accounts.merge(users, orgs)
        self.storage = Storage(self.data_dir)
        self.lfs = LfsStore(self.data_dir / "lfs")
        # The last requests served, ``(method, path)``: lets tests and users check
        # e.g. that a cached download did not fetch the file again.
        self.recent_requests: collections.deque = collections.deque(maxlen=2000)

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
        """Gated repos: only owners and granted users may download files."""
        if not record.meta.get("gated") or self.can_write(call.user, record):
            return
        if call.user is not None and call.user in record.meta.get("granted", []):
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
            raise HubError(403, f"You don't have the rights to create or manage repos under the namespace {namespace!r}")
