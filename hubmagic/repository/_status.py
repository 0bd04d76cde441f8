"""``ModelRepository.status()``: what is staged, what the card lacks, what differs remotely."""

from __future__ import annotations

from dataclasses import dataclass, field

from hubmagic.errors import HubMagicError
from hubmagic.hub._endpoint import get_endpoint
from hubmagic.hub._sync import FolderDiff, diff_folder, human_size, local_paths, remote_files
from hubmagic.repository import _state as repo_state


@dataclass
class RepositoryStatus:
    """``str(status)`` is the report; the fields are there for programs."""

    path: str
    repo_id: str | None
    files: list[tuple[str, int]]
    card_warnings: list[str]
    last_pushed: str | None = None
    remote_head: str | None = None
    diff: FolderDiff | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def remote_changed(self) -> bool:
        """The remote branch moved since this folder's last push/pull."""
        return bool(self.last_pushed and self.remote_head and self.remote_head != self.last_pushed)

    def __str__(self) -> str:
        lines = [f"{self.path} → {self.repo_id or '(no repo id yet)'}", "Files:"]
        lines += [f"  {path}  {human_size(size)}" for path, size in self.files]
        if self.card_warnings:
            lines.append("Card warnings:")
            lines += [f"  - {w}" for w in self.card_warnings]
        if self.last_pushed is None:
            lines.append("Not pushed yet.")
        elif self.diff is not None and not self.diff.has_changes and not self.remote_changed:
            lines.append(f"Up to date with the last push (commit {self.last_pushed[:7]}): nothing to publish.")
        elif self.diff is not None:
            lines.append(f"Since the last push (commit {self.last_pushed[:7]}) (+ added, ~ modified, - deleted):")
            lines += ["  " + line for line in self.diff.describe().splitlines()]
            if self.remote_changed:
                lines.append(
                    f"  The remote moved to {self.remote_head[:7]} since then: pull it first "
                    "(`repo.pull()`) or push with `create_pr=True` / `--create-pr`."
                )
        lines += self.notes
        return "\n".join(lines)


def repository_status(repo, *, token=None, revision=None) -> RepositoryStatus:
    """Build the status of ``repo`` (a ``ModelRepository``); reads the remote after a push."""
    status = RepositoryStatus(
        path=str(repo.path), repo_id=repo.repo_id, files=repo.files(), card_warnings=repo.card_warnings()
    )
    repo_id = status.repo_id
    if not repo_id or "/" not in repo_id:
        return status
    endpoint = get_endpoint()
    status.last_pushed = repo_state.last_commit(repo.path, endpoint, repo_id, revision)
    if status.last_pushed is None:
        return status
    from hubmagic.hub._endpoint import hf_api
    from hubmagic.hub._identity import resolve_token
    from hubmagic.hub._remote_errors import translate_errors

    try:
        api = hf_api(resolve_token(token, required=False))
        with translate_errors("compare with", repo_id, revision=revision):
            remote = remote_files(api, repo_id, status.last_pushed)
            status.remote_head = api.repo_info(repo_id, revision=revision).sha
    except HubMagicError as exc:
        status.notes.append(f"Could not compare with the remote: {exc}")
        return status
    from hubmagic.hub._local_read import cached_files

    paths = local_paths(repo.path)  # the push's file cache spares a re-read of a big model
    status.diff = diff_folder(repo.path, remote, paths, local=cached_files(repo.path, paths))
    return status
