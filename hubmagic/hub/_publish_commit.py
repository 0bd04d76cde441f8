"""The one commit of a push: which parent it carries, and what really happened to it.

Every commit to a branch carries a parent (the initial commit on a first push), so the
Hub's compare-and-swap refuses the second of two pushes built on the same commit.

Three outcomes are easy to misreport:

* the commit landed but its answer was lost (connection reset, proxy timeout, gateway
  5xx): the branch is checked before anything is said, and a commit that holds exactly
  this push's files under this push's title is reported as published;
* an LFS upload fails for good: the client raises a bare ``RuntimeError``; no commit was
  made, so the user is told so in one paragraph;
* the branch moved (HTTP 412): someone else's commit landed first, nothing of ours did.
"""

from __future__ import annotations

import functools
import re
import threading
from contextlib import contextmanager

from hubmagic.errors import PublishError, RemoteChangedError
from hubmagic.hub._endpoint import get_endpoint
from hubmagic.hub._push_plan import Progress, PushPlan, emit
from hubmagic.hub._remote_errors import remote_changed_message
from hubmagic.hub._sync import diff_folder, remote_files

_LFS_FAILURE = re.compile(r"^Error while uploading '(.*)' to the Hub\.")


def initial_commit(api, repo_id: str, revision: str) -> str:
    """The parent of a first push: the new repository's initial commit.

    Another first push that landed in the meantime is refused here, before any upload.
    """
    commits = api.list_repo_commits(repo_id, revision=revision)
    if len(commits) > 1:
        raise RemoteChangedError(remote_changed_message(repo_id, revision, base=None, head=commits[0].commit_id))
    return commits[-1].commit_id


def send_commit(api, plan: PushPlan, *, message: str, description: str | None, progress: Progress | None = None):
    """The plan's commit, ``parent_commit=plan.parent``; returns ``(CommitInfo, recovered)``.

    Only the files that changed are sent (the parent holds the others). Their LFS uploads
    go first, in one ``preupload_lfs_files`` call (what ``create_commit`` does), so
    ``progress`` hears of the bytes as the client reads them; ``create_commit`` then skips
    what is already uploaded. ``recovered`` is True when the Hub's answer was lost and the
    commit was found on the branch afterwards.
    """
    from httpx2 import ConnectError, TransportError
    from huggingface_hub import CommitOperationDelete
    from huggingface_hub.errors import HfHubHTTPError

    repo_id, revision = plan.repo_id, plan.revision
    meter = _UploadMeter(progress, plan.diff.added + plan.diff.modified)
    additions = [_addition(plan, path, meter) for path, _ in plan.diff.added + plan.diff.modified]
    operations = additions + [CommitOperationDelete(path_in_repo=p) for p in plan.deletions]
    try:
        emit(progress, "uploading", 0, meter.total)
        if additions:
            api.preupload_lfs_files(repo_id, additions, revision=revision, create_pr=plan.create_pr,
                                    free_memory=False)
        meter.all_done()  # small files travel in the commit itself
        emit(progress, "committing", meter.total, meter.total)
        info = api.create_commit(repo_id, operations, commit_message=message, commit_description=description,
                                 revision=revision, create_pr=plan.create_pr, parent_commit=plan.parent)
        return info, False
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", None)
        if status == 412:
            now = api.repo_info(repo_id, revision=revision).sha
            raise RemoteChangedError(remote_changed_message(repo_id, revision, base=plan.seen_base, head=now)) from exc
        if status is None or status < 500:
            raise
        lost = exc
    except ConnectError:
        raise  # the request never left: nothing was published, as the generic message says
    except TransportError as exc:
        lost = exc
    except RuntimeError as exc:
        failed = _LFS_FAILURE.match(str(exc))
        if not failed:
            raise
        raise PublishError(_lfs_failure_message(repo_id, failed.group(1), exc.__cause__)) from exc
    return _after_lost_answer(api, plan, message, lost), True


def _addition(plan: PushPlan, path: str, meter: _UploadMeter):
    """The upload of one file, with the sha256 the push's read already computed (no second read)."""
    operation = _upload_class()(path_in_repo=path, path_or_fileobj=str(plan.folder / path))
    operation.meter = meter
    known = plan.local.files.get(path)
    if known is not None and known.size == operation.upload_info.size:
        operation.upload_info.sha256 = bytes.fromhex(known.sha256)
    return operation


@functools.cache
def _upload_class():
    """Defined on first use: huggingface_hub is imported when a push needs it, not with hubmagic."""
    from huggingface_hub import CommitOperationAdd

    class Upload(CommitOperationAdd):
        """A ``CommitOperationAdd`` whose upload reports the bytes the client reads from the file."""

        meter: _UploadMeter | None = None

        @contextmanager
        def as_file(self, with_tqdm: bool = False):
            meter = self.meter if with_tqdm else None  # the client asks for a bar when it uploads
            with super().as_file(with_tqdm=with_tqdm and (meter is None or not meter.reports)) as fh:
                if meter is not None and meter.reports:
                    read = fh.read

                    def counted(size=-1):
                        data = read(size)
                        meter.at(self.path_in_repo, fh.tell())
                        return data

                    fh.read = counted
                yield fh

    return Upload


class _UploadMeter:
    """Upload progress over the changed files: bytes read by the client, each file once at its end."""

    def __init__(self, progress: Progress | None, files: list[tuple[str, int]]):
        self.progress, self.sizes = progress, dict(files)
        self.total = sum(self.sizes.values())
        self.reports = progress is not None
        self.position = dict.fromkeys(self.sizes, 0)  # a retried upload reads again: count it once
        self.finished: set[str] = set()
        self.reported = 0
        self.step = max(self.total // 100, 1 << 20)
        self.lock = threading.Lock()

    def at(self, path: str, position: int) -> None:
        with self.lock:
            self.position[path] = max(self.position.get(path, 0), min(position, self.sizes.get(path, 0)))
            done = sum(self.position.values())
            if path not in self.finished and self.position[path] >= self.sizes.get(path, 0):
                self.finished.add(path)
                self._emit(done, path)
            elif done - self.reported >= self.step:
                self._emit(done, None)

    def all_done(self) -> None:
        """Every file not yet reported (small files, LFS objects the Hub already had) is sent."""
        for path, size in self.sizes.items():
            if path not in self.finished:
                self.at(path, size)

    def _emit(self, done: int, path: str | None) -> None:
        self.reported = done
        emit(self.progress, "uploading", done, self.total, path)


def _lfs_failure_message(repo_id: str, path: str, cause) -> str:
    status = getattr(getattr(cause, "response", None), "status_code", None)
    server = (getattr(cause, "server_message", None) or "").strip().rstrip(".")
    if status is not None:
        reason = f"the storage answered HTTP {status}" + (f" ({server})" if server else "")
    else:
        reason = f"{type(cause).__name__}: {cause}" if cause is not None else "unknown error"
    return (
        f"Uploading {path} to the Hub ({get_endpoint()}) failed after retries: {reason}. Nothing was published: "
        f"no commit was made on {repo_id}, and your local folder is intact. Check your network, your storage "
        "quota and your token's write access, then push again (files already uploaded are not sent twice)."
    )


def _after_lost_answer(api, plan: PushPlan, message: str, lost: Exception):
    """The commit the lost request made, or re-raise ``lost`` when none landed."""
    repo_id = plan.repo_id
    where = f"{repo_id}@{plan.revision}"
    if plan.create_pr:
        raise PublishError(
            f"The connection to the Hub ({get_endpoint()}) was lost while the pull request for {where} was "
            f"being sent ({type(lost).__name__}), so it may or may not have been opened. Look at "
            f"{get_endpoint()}/{repo_id}/discussions before pushing again. Your local folder is unchanged."
        ) from lost
    from httpx2 import TransportError
    from huggingface_hub.errors import HfHubHTTPError

    try:
        landed = _find_landed_commit(api, plan, message)
    except (HfHubHTTPError, TransportError) as check_failed:  # we cannot know, so we say so
        raise PublishError(
            f"The connection to the Hub ({get_endpoint()}) was lost while the commit to {where} was being "
            f"sent ({type(lost).__name__}), and the branch could not be checked afterwards "
            f"({type(check_failed).__name__}), so it is unknown whether it was published. Your local folder is "
            "unchanged. Check the repository's history (or `%hub_status`) before pushing again: pushing again "
            "is safe, it is refused if the first attempt landed."
        ) from lost
    if landed is None:
        raise lost  # checked: the branch does not hold this push, "nothing was published" is true
    from huggingface_hub import CommitInfo

    return CommitInfo(commit_url=f"{get_endpoint()}/{repo_id}/commit/{landed}", commit_message=message,
                      commit_description="", oid=landed, _endpoint=get_endpoint())


def _find_landed_commit(api, plan: PushPlan, message: str) -> str | None:
    """The commit after the plan's parent on the branch with this push's title and files, if any."""
    title = message.strip().split("\n", 1)[0]
    parent = plan.parent
    for commit in api.list_repo_commits(plan.repo_id, revision=plan.revision):
        if parent and commit.commit_id.startswith(parent.lower()):
            return None  # back at the commit we built on: ours is not on the branch
        if commit.title != title:
            continue
        remote = remote_files(api, plan.repo_id, commit.commit_id)
        now = diff_folder(plan.folder, remote, plan.paths, local=plan.local.files)
        if not now.added and not now.modified and not any(p in remote for p in plan.deletions):
            return commit.commit_id
    return None
