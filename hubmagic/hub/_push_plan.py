"""What a push will do, decided with read-only calls: ``PushPlan`` and ``make_plan``.

A plan says which files the commit uploads and deletes, which commit it is built on,
and whether it would be refused (and why). A dry run is the plan, reported; a real push
carries it out (``hubmagic.hub._publish._carry_out``). Nothing here writes to the
Hub or to the folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hubmagic.hub._local_read import LocalRead
from hubmagic.hub._remote_errors import remote_changed_message, translate_errors
from hubmagic.hub._sync import HUB_MANAGED, FolderDiff, diff_folder, remote_files, sibling_files
from hubmagic.repository import _state as repo_state

Progress = Callable[[dict], None]


def emit(progress: Progress | None, phase: str, done: int, total: int, path: str | None = None) -> None:
    """Send one progress event (the shape ``NotebookSession.push_state`` mirrors)."""
    if progress is not None:
        progress({"phase": phase, "bytes_done": done, "bytes_total": total, "path": path})


@dataclass
class PushPlan:
    """What a push of ``folder`` to ``repo_id@revision`` will do.

    ``uploads`` / ``deletions`` are the paths the commit adds or changes / deletes;
    ``refusal`` is why the push would be refused (the remote moved, files others
    changed), ``findings`` the credentials that would block it. ``head`` is the remote
    branch's commit (None: the repository does not exist yet) and ``parent`` the commit
    the push is built on.
    """

    folder: Path
    repo_id: str
    revision: str
    endpoint: str
    paths: list[str]
    create_pr: bool = False
    owns: bool = True
    head: str | None = None
    remote: dict = field(default_factory=dict, repr=False)
    branch_exists: bool = False
    diff: FolderDiff = field(default_factory=FolderDiff, repr=False)
    parent: str | None = None
    seen_base: str | None = None
    refusal: str | None = None
    findings: list = field(default_factory=list)
    card_check: str = ""
    local: LocalRead = field(default_factory=LocalRead, repr=False)  # the hashes of ``paths``, read once
    state: dict | None = field(default=None, repr=False)  # the folder's state when the push began

    @property
    def uploads(self) -> list[str]:
        return [p for p, _ in self.diff.added + self.diff.modified]

    @property
    def deletions(self) -> list[str]:
        return [p for p, _ in self.diff.deleted]

    @property
    def no_change(self) -> bool:
        """The remote already holds the folder: no commit is needed."""
        return self.head is not None and not self.diff.has_changes

    @property
    def upload_bytes(self) -> int:
        return sum(size for _, size in self.diff.added + self.diff.modified)

    def report(self) -> str:
        """The dry run's report: target, remote, changes, card, secrets, refusal."""
        target = f"{self.repo_id}@{self.revision}"
        target = f"a pull request on {target}" if self.create_pr else target
        lines = [f"Dry run: would push to {target} on {self.endpoint}. Nothing was sent or changed."]
        lines.append("Remote: new repository" if self.head is None
                     else f"Remote: commit {self.head[:7]} with {len(self.remote)} file(s)")
        lines.append("Changes:\n" + self.diff.describe())
        lines.append(f"Model card metadata: {self.card_check}")
        if self.findings:
            from hubmagic.secrets import format_findings

            lines.append("Secrets found (the push would be refused):\n" + format_findings(self.findings))
        else:
            lines.append("Secrets: none found")
        if self.refusal:
            lines.append("The push would be refused: " + self.refusal)
        return "\n".join(lines)


def make_plan(api, plan: PushPlan, *, allow_patterns=None, ignore_patterns=None, parent_commit: str | None = None,
              overwrite: bool = False, mirror: bool = True, remote: tuple | None = None) -> PushPlan:
    """Fill ``plan`` (folder, target, paths, local read and checks already set) from the remote; read-only.

    ``remote`` is ``(head, files, branch exists)`` when the caller has just read it.
    """
    with translate_errors("push to", plan.repo_id, revision=plan.revision, publishing=True):
        plan.head, plan.remote, plan.branch_exists = remote or _remote_state(api, plan.repo_id, plan.revision)
        pr_base = _pr_base(plan, parent_commit) if plan.create_pr else None
        if pr_base:
            # A proposal made after the remote moved: show only this folder's changes, as
            # made on the commit it last saw (the Hub opens the PR from that commit).
            plan.remote = remote_files(api, plan.repo_id, pr_base)
    plan.diff = diff_folder(plan.folder, plan.remote, plan.paths, allow_patterns, ignore_patterns,
                            local=plan.local.files)
    if mirror or plan.head is None or plan.create_pr or parent_commit:
        plan.parent, plan.refusal = _mirror_parent(plan, parent_commit=parent_commit, overwrite=overwrite)
    else:
        with translate_errors("push to", plan.repo_id, revision=plan.revision, publishing=True):
            plan.parent, plan.refusal = _keep_others_parent(api, plan, overwrite=overwrite)
    plan.parent = pr_base or plan.parent
    # The commit this folder saw last, for the message if the branch moves under the push.
    if plan.head is not None:
        plan.seen_base = repo_state.last_commit(plan.folder, plan.endpoint, plan.repo_id, plan.revision,
                                                state=plan.state)
    return plan


def _remote_state(api, repo_id: str, revision: str):
    """``(head commit, files at head, branch exists)``; head is None for a missing repo.

    A missing branch is compared with ``main``, the branch it will be created from.
    """
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    try:
        # with its files' ids (``blobs=true``): one request for the head and its files
        info = api.repo_info(repo_id, revision=revision, files_metadata=True)
        branch_exists = True
    except RepositoryNotFoundError:
        return None, {}, False
    except RevisionNotFoundError:
        if revision.startswith("refs/"):
            raise
        info = api.repo_info(repo_id, files_metadata=True)
        branch_exists = False
    return info.sha, sibling_files(info.siblings or []), branch_exists


def _pr_base(plan: PushPlan, parent_commit: str | None) -> str | None:
    """The commit a pull request should start from, when it is not the branch head."""
    base = parent_commit or repo_state.last_commit(plan.folder, plan.endpoint, plan.repo_id, plan.revision,
                                                   state=plan.state)
    return base if base and plan.head and not plan.head.startswith(base.lower()) else None


def _mirror_parent(plan: PushPlan, *, parent_commit: str | None, overwrite: bool):
    """``(parent commit to send, refusal message or None)`` when the remote mirrors the folder."""
    head, repo_id, revision = plan.head, plan.repo_id, plan.revision
    if head is None or plan.create_pr:
        return head, None  # a new repo's parent is its initial commit, known once created
    if parent_commit:
        return parent_commit, None  # the caller's choice: the Hub refuses it (412) if stale
    base = repo_state.last_commit(plan.folder, plan.endpoint, repo_id, revision, state=plan.state)
    if base:
        if head.startswith(base.lower()) or overwrite or not plan.diff.has_changes:
            return (head if overwrite else base), None
        return base, remote_changed_message(repo_id, revision, base=base, head=head)
    has_content = any(path not in HUB_MANAGED for path in plan.remote)
    known = head in repo_state.known_commits(plan.folder, plan.endpoint, repo_id, state=plan.state)
    if has_content and not known and not overwrite and plan.diff.has_changes:
        return head, remote_changed_message(repo_id, revision, base=None, head=head)
    return head, None


def _keep_others_parent(api, plan: PushPlan, *, overwrite: bool):
    """``(parent, refusal)`` of a ``mirror=False`` push; narrows ``plan.diff.deleted``.

    A remote file is "ours" if this folder's last push sent it and it is the same at the
    remote head; only ours may be deleted, and a file we send that someone changed since
    (or that was there before we ever pushed, with other content) needs ``overwrite``.
    """
    from huggingface_hub.errors import RevisionNotFoundError

    key = repo_state.remote_key(plan.endpoint, plan.repo_id, plan.revision)
    entry = (plan.state or repo_state.read_state(plan.folder))["remotes"].get(key) or {}
    base, sent = entry.get("commit"), set(entry.get("files") or [])
    head, remote = plan.head, plan.remote
    before = remote
    if base and not head.startswith(base.lower()):
        try:
            before = remote_files(api, plan.repo_id, base)
        except RevisionNotFoundError:  # history rewritten on the Hub: as if we never pushed
            base, sent = None, set()

    def untouched(path):
        old, new = before.get(path), remote.get(path)
        return (old is None and new is None) or (old is not None and new is not None and old.blob_id == new.blob_id)

    plan.diff.deleted = [(p, size) for p, size in plan.diff.deleted if base and p in sent and untouched(p)]
    changed = [p for p in plan.paths if not untouched(p)] if base else [p for p, _ in plan.diff.modified]
    if changed and not overwrite:
        return head, remote_changed_message(plan.repo_id, plan.revision, base=base, head=head, changed=changed)
    return head, None
