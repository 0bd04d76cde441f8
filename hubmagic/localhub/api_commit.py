"""Writing: preupload (LFS or regular?) and the NDJSON commit endpoint."""

from __future__ import annotations

import base64
import binascii
import json
import stat
from collections.abc import Iterator
from typing import BinaryIO

from . import discussions
from .api_refs import check_revision
from .errors import HubError, entry_not_found, revision_not_found
from .gitrepo import commit_message, lfs_pointer, parse_pointer
from .http import Call, json_response
from .patterns import LFS_RULE, is_ignored, is_lfs_tracked
from .safepath import folder_path, repo_path

MAX_REGULAR_SIZE = 10 * 1024 * 1024
MAX_NDJSON_LINE = 16 * 1024 * 1024  # one regular file of 10 MiB, base64-encoded, with its JSON
_OID_CHARS = set("0123456789abcdef")


def _text_field(item: dict, name: str, path: str) -> str:
    value = item.get(name) or ""
    if not isinstance(value, str):
        raise HubError(400, f"{name!r} of {path} must be a base64 string")
    return value


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    # The sample is cut at 512 bytes, possibly inside a multi-byte character.
    for cut in range(4):
        try:
            sample[: len(sample) - cut].decode("utf-8")
            return False
        except UnicodeDecodeError:
            continue
    return True


def _text_at(git, commit: str, path: str) -> str:
    found = git.lookup(commit, path)
    return git.read_blob(found[1]).decode("utf-8", "replace") if found and not stat.S_ISDIR(found[0]) else ""


def _target(call: Call, record, revision: str, create_pr: bool):
    """Check access for writing to ``revision``; returns ``(commit, ref)`` it resolves to."""
    git = record.git()
    try:
        commit, ref = git.resolve(revision)
    finally:
        git.close()
    if create_pr:
        if call.user is None:
            raise HubError(401, "You must be authenticated to open a pull request")
        if ref is None or not ref.startswith("refs/heads/"):
            raise revision_not_found(revision)
    elif ref is not None and ref.startswith("refs/pr/"):
        if call.user is None:
            raise HubError(401, "You must be authenticated to commit to a pull request")
        author = discussions.get(record, int(ref.rsplit("/", 1)[1])).get("author")
        if author != call.user:
            call.hub.require_write(call, record)
    else:
        call.hub.require_write(call, record)
        if ref is None or not ref.startswith("refs/heads/"):
            raise HubError(400, f"Invalid rev id: {revision} is not a branch")
    return commit, ref


def preupload(call: Call, repo_type: str, repo_id: str, revision: str):
    record = call.hub.readable(call, repo_type, repo_id)
    commit, _ = _target(call, record, revision, call.flag("create_pr"))
    body = call.json()
    files = body.get("files")
    if not isinstance(files, list):
        raise HubError(400, '"files" must be an array')
    git = record.git()
    try:
        gitattributes = _text_at(git, commit, ".gitattributes")
        gitignore = body.get("gitIgnore")
        if not isinstance(gitignore, str):
            gitignore = _text_at(git, commit, ".gitignore")
        current = git.flat_files(commit)
        answers = []
        for item in files:
            if not isinstance(item, dict):
                raise HubError(400, "Invalid file entry")
            path = repo_path(item.get("path"))
            try:
                sample = base64.b64decode(_text_field(item, "sample", path), validate=False)
            except (binascii.Error, ValueError):
                raise HubError(400, f"Invalid sample for {path}") from None
            size = item.get("size") or 0
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise HubError(400, f"Invalid size for {path}")
            lfs = is_lfs_tracked(gitattributes, path) or size > MAX_REGULAR_SIZE or _looks_binary(sample)
            answer = {"path": path, "uploadMode": "lfs" if lfs else "regular",
                      "shouldIgnore": is_ignored(gitignore, path) if gitignore else False}
            if path in current:
                entry = git.file_entry(path, current[path])
                answer["oid"] = entry.lfs[0] if entry.lfs else entry.blob_id
            answers.append(answer)
    finally:
        git.close()
    return json_response({"files": answers, "commitOid": commit})


def _parse_ndjson(body: BinaryIO) -> tuple[dict, Iterator[tuple[str, dict]]]:
    """The header (the first line, as the client sends it), then the operations, read one
    line at a time: a commit body may be hundreds of MiB and is never held in memory whole."""
    lines = _ndjson_lines(body)
    key, header = next(lines, (None, None))
    if key != "header":
        raise HubError(400, "The first line of a commit must be its header: "
                            '{"key": "header", "value": {"summary": ...}}')
    for field in ("summary", "description", "parentCommit"):
        if header.get(field) is not None and not isinstance(header[field], str):
            raise HubError(400, f"The commit header's {field!r} must be a string")
    return header, lines


def _ndjson_lines(body: BinaryIO) -> Iterator[tuple[str, dict]]:
    while line := body.readline(MAX_NDJSON_LINE + 1):
        if len(line) > MAX_NDJSON_LINE:
            raise HubError(400, "A commit line is larger than 16 MiB: upload files over 10 MiB with LFS.")
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            raise HubError(400, "Invalid NDJSON line in commit payload") from None
        if not (isinstance(item, dict) and isinstance(item.get("key"), str)
                and isinstance(item.get("value"), dict)):
            raise HubError(400, "Each commit line needs a string 'key' and an object 'value'")
        yield item["key"], item["value"]


def _apply(call: Call, git, files: dict[str, str], operations, objects) -> list[str]:
    """Apply commit operations to ``{path: blob id}``; returns the paths added as LFS.

    Every LFS object referenced is claimed through ``objects`` (``RepoObjects``): it
    must have been uploaded for this repo or be in it already.
    """
    # The rules preupload answered with: the .gitattributes before this commit.
    gitattributes = _read_text(git, files, ".gitattributes")
    lfs_paths = []
    for key, value in operations:
        operation = _OPERATIONS.get(key)
        if operation is None:
            raise HubError(400, f"Unknown commit operation: {key!r}")
        lfs_path = operation(git, files, value, objects, gitattributes)
        if lfs_path:
            lfs_paths.append(lfs_path)
    return lfs_paths


def _read_text(git, files: dict[str, str], path: str) -> str:
    return git.read_blob(files[path]).decode("utf-8", "replace") if path in files else ""


# Each operation updates ``files`` and returns the path it stored as LFS, if any.

def _add_file(git, files: dict[str, str], value: dict, objects, gitattributes: str) -> str | None:
    path = repo_path(value.get("path"))
    try:
        content = base64.b64decode(_text_field(value, "content", path), validate=False)
    except (binascii.Error, ValueError):
        raise HubError(400, f"Invalid base64 content for {path}") from None
    pointer = parse_pointer(content)
    if pointer:  # a hand-made pointer is an LFS reference too, and claimed as such
        objects.claim(pointer[0], pointer[1], path)
        files[path] = git.add_blob(content)
        return path
    if len(content) > MAX_REGULAR_SIZE:
        raise HubError(400, f"Your push was rejected because it contains files larger than 10 MiB "
                       f"({path}). Upload it with LFS instead.")
    if content and (is_lfs_tracked(gitattributes, path) or _looks_binary(content[:512])):
        raise HubError(400, f"Your push was rejected because {path} must be stored with LFS "
                       "(binary content or a .gitattributes rule). Upload it through preupload/LFS.")
    files[path] = git.add_blob(content)
    return None


def _add_lfs_file(git, files: dict[str, str], value: dict, objects, gitattributes: str) -> str:
    path = repo_path(value.get("path"))
    oid = str(value.get("oid", "")).lower()
    if len(oid) != 64 or not set(oid) <= _OID_CHARS:
        raise HubError(400, f"Invalid LFS oid for {path}")
    size = objects.claim(oid, value.get("size"), path)
    files[path] = git.add_blob(lfs_pointer(oid, size))
    return path


def _delete_file(git, files: dict[str, str], value: dict, objects, gitattributes: str) -> None:
    path = repo_path(value.get("path"))
    if path in files:
        del files[path]
    elif not _drop_folder(files, path):
        raise entry_not_found(f"{path}: A file with this name doesn't exist")


def _delete_folder(git, files: dict[str, str], value: dict, objects, gitattributes: str) -> None:
    path = folder_path(value.get("path"))
    files.pop(path, None)
    if not _drop_folder(files, path):
        raise entry_not_found(f"{path}: A folder with this name doesn't exist")


_OPERATIONS = {"file": _add_file, "lfsFile": _add_lfs_file, "deletedFile": _delete_file,
               "deletedFolder": _delete_folder}


def _check_file_folder_clashes(files: dict[str, str]) -> None:
    """A path cannot be both a file and a folder (git trees cannot hold that)."""
    for path in files:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in files:
                raise HubError(400, f"Cannot create {path}: {prefix} is a file. Delete it in the same commit first.")


def _drop_folder(files: dict[str, str], folder: str) -> bool:
    prefix = folder + "/"
    doomed = [p for p in files if p.startswith(prefix)]
    for p in doomed:
        del files[p]
    return bool(doomed)


def _extend_gitattributes(git, files: dict[str, str], lfs_paths: list[str]) -> None:
    """Track LFS files no rule covers, as the Hub does (keeps git clones consistent)."""
    text = _read_text(git, files, ".gitattributes")
    missing = [p for p in lfs_paths if not is_lfs_tracked(text, p)]
    if not missing:
        return
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{p.replace(' ', '[[:space:]]')} {LFS_RULE}\n" for p in missing)
    files[".gitattributes"] = git.add_blob(text.encode())


def commit(call: Call, repo_type: str, repo_id: str, revision: str):
    record = call.hub.readable(call, repo_type, repo_id)
    create_pr = call.flag("create_pr")
    _target(call, record, revision, create_pr)
    header, operations = _parse_ndjson(call.body_file())
    summary = header.get("summary") or ""
    description = header.get("description") or ""
    parent = header.get("parentCommit")
    objects = call.hub.repo_objects(record)
    with call.hub.storage.lock(record):
        git = record.git()
        try:
            head, ref = git.resolve(revision)
            base = head
            if parent:
                check_revision(parent)
                parent = parent.lower()
                if create_pr:
                    base = git.resolve(parent)[0]
                elif not head.startswith(parent) or len(parent) < 5:
                    raise HubError(412, "The branch was updated since you opened this page. "
                                        "Please refresh and try again.")
            files = git.flat_files(base)
            lfs_paths = _apply(call, git, files, operations, objects)
            _check_file_folder_clashes(files)
            _extend_gitattributes(git, files, lfs_paths)
            author = call.user or "anonymous"
            new = git.write_commit(files, base, author, commit_message(summary, description))
            objects.record_claims()  # before any ref shows the commit
            response = {"success": True, "commitOid": new,
                        "commitUrl": f"{call.repo_url(repo_type, record.id)}/commit/{new}", "hookOutput": ""}
            if create_pr:
                num = discussions.open_pull_request(call, record, git, title=summary, description=description,
                                                    base=ref, head=new)
                response["pullRequestUrl"] = f"{call.repo_url(repo_type, record.id)}/discussions/{num}"
            else:
                if not git.set_ref(ref, head, new):
                    raise HubError(412, "The branch was updated since you opened this page. "
                                        "Please refresh and try again.")
                if ref.startswith("refs/pr/"):
                    discussions.add_commit_event(call, record, int(ref.rsplit("/", 1)[1]), new, summary)
        finally:
            git.close()
    return json_response(response)
