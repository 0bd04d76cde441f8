"""Publish a local folder to the Hub in one commit: ``publish_folder``.

Order of work, so that a refused push has touched nothing: check the repo id and the
token, scan the files for secrets, validate the card metadata, compare the folder with
the remote (read-only calls), and only then create the repo/branch and send ONE commit
whose ``parent_commit`` is the commit this folder last pushed or pulled. A remote that
moved in between is refused by the Hub (HTTP 412) and reported as ``RemoteChangedError``.
A first push to ``main`` (the folder never saw this repository) creates the repository
right after the card check instead, as the raw client does: a new repository has nothing
to compare with, so this spares a request without publishing anything early. Its initial
commit, the commit's parent, is read right after (its list of commits: one light request);
a first push that landed before that read is a second commit there, and one that lands
after it makes the Hub refuse this commit (412): either way this push is refused whole.
(Reading it in a thread while the files upload saves a round trip on a slow network but
costs more than it hides against a hub in the same process, where all shares one GIL.)

The remote mirrors the folder: files that were deleted locally are deleted on the Hub in
the same commit (restricted to the files selected by ``allow_patterns`` /
``ignore_patterns``; the Hub's ``.gitattributes`` is kept).

First push onto a remote branch that already has files this folder never pushed or pulled
is refused (it would silently overwrite someone's work) unless ``create_pr=True`` (a
proposal, nothing is overwritten) or ``overwrite=True`` (replace on purpose).

A pull request made after the remote moved starts from the commit this folder last saw,
so it proposes this folder's changes only (it does not delete files others added since).

Every commit to a branch carries a parent, the repository's initial commit on a first push,
so two pushes racing onto the same commit cannot both land (the Hub moves the branch by
compare-and-swap). With ``mirror=False`` (what ``push_to_hub`` uses) the remote is not a
mirror: remote files are deleted only if this folder's last push sent them, and the push is
refused only when a file it sends was changed on the remote since that push.

The read-only half is a ``PushPlan`` (``hubmagic.hub._push_plan``: what will be uploaded,
deleted or refused); a dry run returns it, a push carries it out (``_carry_out`` here,
the commit itself in ``hubmagic.hub._publish_commit``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from hubmagic.errors import (
    AuthenticationError,
    InvalidInputError,
    RemoteChangedError,
    SecretsFoundError,
)
from hubmagic.hub import _local_read as local_read
from hubmagic.hub._endpoint import get_endpoint, hf_api, one_card_check
from hubmagic.hub._identity import account, check_repo_id, full_repo_id, resolve_token
from hubmagic.hub._publish_commit import initial_commit, send_commit
from hubmagic.hub._push_plan import Progress, PushPlan, emit, make_plan
from hubmagic.hub._remote_errors import translate_errors
from hubmagic.hub._sync import local_paths
from hubmagic.model import _trust as trust
from hubmagic.repository import _state as repo_state


@dataclass
class PushResult:
    """What a push did (or, with ``dry_run``, would do).

    ``files`` lists the paths sent in the commit (added or modified), ``deleted`` the
    paths deleted on the remote; ``no_change`` is True when the remote already matched
    the folder and no commit was made. ``plan`` is the ``PushPlan`` the push carried out
    (a dry run's whole answer). ``str(result)`` is a short report for users.
    """

    repo_id: str
    repo_url: str
    commit_oid: str | None = None
    commit_url: str | None = None
    pr_url: str | None = None
    pr_num: int | None = None
    revision: str = "main"
    files: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    no_change: bool = False
    dry_run: bool = False
    report: str = ""
    plan: PushPlan | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.report or repr(self)


def publish_folder(
    folder,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool | None = None,
    create_pr: bool = False,
    revision: str | None = None,
    commit_message: str | None = None,
    commit_description: str | None = None,
    allow_patterns=None,
    ignore_patterns=None,
    create_remote: bool = True,
    parent_commit: str | None = None,
    dry_run: bool = False,
    redact: bool = False,
    overwrite: bool = False,
    mirror: bool = True,
    progress: Progress | None = None,
) -> PushResult:
    """Publish the files of ``folder`` to the Hub repository ``repo_id`` in one commit.

    Args:
        folder: local folder (usually a ``ModelRepository``'s ``path``).
        repo_id: ``"namespace/name"``, or ``"name"`` for your own namespace.
        token: Hugging Face token; default ``HF_TOKEN``, then ``huggingface_hub.login()``'s.
        private: visibility when the repository is created (ignored if it exists).
        create_pr: open a pull request instead of committing to the branch.
        revision: branch to push to (created from ``main`` if missing); default ``main``.
        commit_message, commit_description: the commit's title and body.
        allow_patterns, ignore_patterns: restrict which files are published (and which
            remote files a push may delete).
        create_remote: create the repository if it does not exist.
        parent_commit: the commit the push is based on; default: the one this folder last
            pushed or pulled (kept in ``.hubmagic/state.json``).
        dry_run: only plan: the result's ``plan`` (and ``report``) say what would be
            uploaded, deleted or refused; nothing is sent or changed.
        redact: rewrite the secrets found in text files of the folder as environment
            lookups (``os.environ["..."]``) before publishing, instead of refusing.
        overwrite: allow a first push onto a branch that has files this folder never saw
            (with ``mirror=False``: replace remote copies of its files changed by others).
        mirror: the remote mirrors the folder (remote files the folder lacks are deleted).
            With ``False``, a remote file is deleted only if this folder's last push sent it
            and nobody changed it since, and the push is refused only if a file it sends was
            changed on the remote since that push (``push_to_hub`` works this way).
        progress: called with ``{"phase", "bytes_done", "bytes_total", "path"}`` events:
            ``"hashing"`` while the files are read for the secret scan and the Hub's hashes
            (over the bytes of all files; a file unchanged since the last push is not read),
            ``"uploading"`` while the changed files are sent (over their bytes; a small
            file's bytes travel in the commit request itself), then ``"committing"`` and
            ``"done"``. ``path`` names a file once it is done; events in between (a big
            file, at most every 1% of the bytes) have ``path`` None.

    Returns:
        PushResult.

    Raises:
        InvalidInputError, AuthenticationError, SecretsFoundError, RemoteChangedError,
        RemoteNotFoundError, PublishError — nothing is published when one is raised.

    >>> publish_folder("hub/iris", "alice/iris", commit_message="First model")  # doctest: +SKIP
    """
    with one_card_check():  # the card is validated before anything is created, not again by the commit
        return _publish(folder, repo_id, token=token, private=private, create_pr=create_pr, revision=revision,
                        commit_message=commit_message, commit_description=commit_description,
                        allow_patterns=allow_patterns, ignore_patterns=ignore_patterns, create_remote=create_remote,
                        parent_commit=parent_commit, dry_run=dry_run, redact=redact, overwrite=overwrite,
                        mirror=mirror, progress=progress)


def _publish(folder, repo_id, *, token, private, create_pr, revision, commit_message, commit_description,
             allow_patterns, ignore_patterns, create_remote, parent_commit, dry_run, redact, overwrite, mirror,
             progress) -> PushResult:
    api, plan = _checked_plan(folder, repo_id, token=token, create_pr=create_pr, revision=revision,
                              allow_patterns=allow_patterns, ignore_patterns=ignore_patterns,
                              dry_run=dry_run, redact=redact, progress=progress)
    result = PushResult(repo_id=plan.repo_id, repo_url=f"{plan.endpoint}/{plan.repo_id}", revision=plan.revision,
                        dry_run=dry_run, plan=plan)
    remote = None
    if not dry_run and create_remote and parent_commit is None and _first_push_to_main(plan):
        plan.card_check = _validate_card(api, plan.folder, plan.paths, token, raise_invalid=True)
        remote = _create_first(api, plan, private, result)
    make_plan(api, plan, allow_patterns=allow_patterns, ignore_patterns=ignore_patterns,
              parent_commit=parent_commit, overwrite=overwrite, mirror=mirror, remote=remote)
    if plan.card_check:
        pass  # validated before the repository was created
    elif dry_run or "README.md" in plan.uploads:  # the Hub validated the card it already has
        plan.card_check = _validate_card(api, plan.folder, plan.paths, token, raise_invalid=not dry_run)
    else:
        plan.card_check = "unchanged"
    if dry_run:
        result.files, result.deleted, result.no_change = plan.uploads, plan.deletions, plan.no_change
        result.report = plan.report()
        emit(progress, "done", 0, 0)
        return result
    if plan.refusal:
        raise RemoteChangedError(plan.refusal)
    return _carry_out(api, plan, result, private=private, create_remote=create_remote,
                      commit_message=commit_message, commit_description=commit_description, progress=progress)


def _checked_plan(folder, repo_id, *, token, create_pr, revision, allow_patterns, ignore_patterns, dry_run, redact,
                  progress):
    """``(api, plan)`` once the folder, the repo id, the access and the secrets passed."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"Cannot publish {str(folder)!r}: it is not a folder. Create it with "
                                "`ModelRepository.init(...)` / `%hub_init` first.")
    check_repo_id(repo_id)
    endpoint = get_endpoint()
    token = resolve_token(token, required=not dry_run)
    api = _api(token)
    who = account(api, token, repo_id=repo_id, publishing=True) if token else None
    if "/" not in repo_id:
        if who is None:
            raise AuthenticationError(f"Cannot tell whose namespace {repo_id!r} belongs to without a token: "
                                      f"write 'namespace/{repo_id}' or log in.")
        repo_id = full_repo_id(repo_id, who["name"])
    owns = who is None or repo_id.split("/")[0] in who["namespaces"]
    if not owns:  # the account may have joined the organization since it was cached: ask again
        api = _api(token, fresh=True)
        who = account(api, token, repo_id=repo_id, publishing=True)
        owns = repo_id.split("/")[0] in who["namespaces"]
    if not owns and not create_pr and not dry_run:
        raise AuthenticationError(
            f"No write access to {repo_id} on {endpoint}: you are logged in as {who['name']!r}, which is not "
            f"its owner nor a member of its organization. Push to your own namespace (e.g. "
            f"'{who['name']}/{repo_id.split('/')[1]}') or propose the change with `--create-pr` / "
            "`create_pr=True`. Nothing was published."
        )
    paths = local_paths(folder, allow_patterns, ignore_patterns)
    if not paths:
        raise InvalidInputError(f"Nothing to publish in {str(folder)!r} (no file matches the allow/ignore patterns).")
    state = repo_state.read_state(folder)  # read once: the push's view of what the folder saw
    local = _scan_secrets(folder, paths, token, redact=redact and not dry_run, progress=progress, state=state)
    findings = local.findings
    if findings and not dry_run:
        from hubmagic.secrets import format_findings

        report = format_findings(findings)
        if report.startswith("Refusing to publish:"):  # its first line, restated with the repo id
            report = report.split("\n", 1)[1] if "\n" in report else ""
        message = f"Refusing to publish {repo_id}: credentials were found in the files to upload.\n{report}"
        raise SecretsFoundError(message, findings)
    plan = PushPlan(folder=folder, repo_id=repo_id, revision=revision or "main", endpoint=endpoint, paths=paths,
                    create_pr=create_pr, owns=owns, findings=findings, local=local, state=state)
    return api, plan


_APIS: dict = {}


def _api(token: str | None, *, fresh: bool = False):
    """One client per endpoint and token, so its cached ``whoami`` spares each push a round trip."""
    key = (get_endpoint(), token)
    if fresh or key not in _APIS:
        _APIS[key] = hf_api(token)
    return _APIS[key]


def _first_push_to_main(plan: PushPlan) -> bool:
    """A push of the owner to ``main`` from a folder that never pushed to or pulled from this repository."""
    return (plan.owns and not plan.create_pr and plan.revision == "main"
            and not repo_state.known_commits(plan.folder, plan.endpoint, plan.repo_id, state=plan.state))


def _create_first(api, plan: PushPlan, private, result: PushResult):
    """Create the repository: ``(initial commit, {}, True)``, or None if it could not be created.

    On a first push the repository is usually new: creating it first spares the request
    that would find it missing (the raw client does the same). The Hub answers 409 when it
    exists (and 401/402/403 when the token may not create it, though it may write to it):
    then the push looks at the remote as any other push does. The new repository's
    initial commit is the parent of the push, so a first push that lands before the
    commit makes the Hub refuse this one (412); one that landed before the initial
    commit is read is a second commit, and the push is refused at once.
    """
    from huggingface_hub.errors import HfHubHTTPError

    with translate_errors("push to", plan.repo_id, revision=plan.revision, publishing=True):
        try:
            url = api.create_repo(plan.repo_id, private=private, exist_ok=False)
        except HfHubHTTPError as exc:
            if getattr(exc.response, "status_code", None) in (401, 402, 403, 409):
                return None
            raise
        result.repo_url = str(url)
        return initial_commit(api, plan.repo_id, plan.revision), {}, True


def _carry_out(api, plan: PushPlan, result: PushResult, *, private, create_remote, commit_message,
               commit_description, progress) -> PushResult:
    """Create what is missing (repository, branch), then send the plan's one commit."""
    repo_id, revision = plan.repo_id, plan.revision
    with translate_errors("push to", repo_id, revision=revision, publishing=True):
        if plan.head is None or not plan.branch_exists:
            if plan.head is None and not create_remote:
                api.repo_info(repo_id)  # raises the not-found error the user needs to see
            if plan.head is None and plan.owns:
                result.repo_url = str(api.create_repo(repo_id, private=private, exist_ok=True))
            if revision != "main" and not revision.startswith("refs/"):
                api.create_branch(repo_id, branch=revision, exist_ok=True)
            if plan.head is None and not plan.create_pr:
                plan.parent = initial_commit(api, repo_id, revision)
        if plan.no_change:
            sha = plan.head  # a new branch starts at this same commit
            if not plan.create_pr:  # a proposal that changes nothing is not this folder's base
                _record(plan, revision, sha)
            result.commit_oid, result.no_change = sha, True
            result.commit_url = f"{plan.endpoint}/{repo_id}/commit/{sha}"
            result.report = f"{repo_id}@{revision} is already up to date (commit {sha[:7]}); nothing was pushed."
            emit(progress, "done", 0, 0)
            return result
        if not commit_message:
            updating = plan.head is not None and plan.diff.modified
            commit_message = "Update model with hubmagic" if updating else "Add model with hubmagic"
        info, recovered = send_commit(api, plan, message=commit_message, description=commit_description,
                                      progress=progress)

    result.commit_oid, result.commit_url = info.oid, info.commit_url
    result.pr_url, result.pr_num = info.pr_url, info.pr_num
    result.files, result.deleted = plan.uploads, plan.deletions
    trust.record_published(plan.folder, result.files, repo_id)  # so this machine's own pickles load back
    _record(plan, info.pr_revision or revision, info.oid)
    where = f"pull request {info.pr_url}" if info.pr_url else f"{repo_id}@{revision}"
    result.report = f"Pushed to {where}: commit {info.oid[:7]} ({info.commit_url})\n" + plan.diff.describe()
    if recovered:
        result.report += ("\n(The Hub's answer to the commit was lost on the way back; the branch was checked "
                          f"and holds this push as commit {info.oid[:7]}.)")
    emit(progress, "done", plan.upload_bytes, plan.upload_bytes)
    return result


def _record(plan: PushPlan, revision: str, sha: str) -> None:
    """Remember the pushed commit, the files it sent (what a ``mirror=False`` push may delete later)
    and what the files were when read (the next push reads only what changed)."""
    repo_state.record_commit(plan.folder, plan.endpoint, plan.repo_id, revision, sha, how="push", files=plan.paths,
                             file_cache=plan.local.cache)


def _scan_secrets(folder: Path, paths: list[str], token: str | None, *, redact: bool,
                  progress: Progress | None = None, state: dict | None = None) -> local_read.LocalRead:
    """Findings in the files to publish, and their hashes, from one read of each file.

    With ``redact``, redact first and read again (the redacted files changed).
    """
    from hubmagic import secrets

    # The push's token, HF_TOKEN and the token saved by `hf auth login`: none is published.
    known = secrets.current_user_tokens(token)

    def scan():
        return local_read.read_files(folder, paths, known, state=state,
                                     progress=lambda path, done, total: emit(progress, "hashing", done, total, path))

    found = scan()
    if found.findings and redact:
        secrets.redact_folder(folder, found.findings)
        found = scan()
    return found


def _validate_card(api, folder: Path, paths: list[str], token, *, raise_invalid: bool) -> str:
    """Validate README.md's metadata with the Hub (the check the client runs before a commit)."""
    if "README.md" not in paths:
        return "no README.md (the Hub page will have no model card)"
    content = (folder / "README.md").read_text(encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with translate_errors("validate the model card of", "README.md"):
                if hasattr(api, "_validate_yaml"):  # what create_commit itself runs, with auth
                    api._validate_yaml(content, repo_type="model", token=token)
                else:
                    from huggingface_hub import ModelCard

                    ModelCard(content, ignore_metadata_errors=True).validate("model")
        except ValueError as exc:
            message = str(exc).replace("Invalid metadata in README.md.", "").strip()
            if raise_invalid:
                raise InvalidInputError(
                    "The metadata (YAML front matter) of README.md is invalid, so nothing was published. "
                    f"The Hub says: {message} Fix it with `repo.card.metadata` then `repo.save()`, or edit "
                    "the README.md front matter."
                ) from exc
            return f"invalid: {message}"
    for warning in caught:
        warnings.warn(str(warning.message), UserWarning, stacklevel=4)  # the caller of publish_folder
    notes = "; ".join(str(w.message).replace("\n", " ") for w in caught)
    return "valid" + (f" (warnings: {notes})" if notes else "")
