"""Routes that read files: tree listing, paths-info, and resolve (HEAD/GET downloads)."""

from __future__ import annotations

import mimetypes
import re
import stat
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from .errors import HubError, entry_not_found
from .gitrepo import GitRepo
from .http import Call, json_response, paginate
from .safepath import repo_path
from .storage import now_iso

PAGE_SIZE = 1000
EXPANDED_PAGE_SIZE = 50
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _file_json(git: GitRepo, path: str, blob_id: str) -> dict:
    entry = git.file_entry(path, blob_id)
    data = {"type": "file", "oid": blob_id, "size": entry.size, "path": path}
    if entry.lfs:
        data["lfs"] = {"oid": entry.lfs[0], "size": entry.lfs[1], "pointerSize": entry.pointer_size}
    return data


def _entries(git: GitRepo, tree_id: str, prefix: str, recursive: bool) -> list[dict]:
    items = []
    for name, mode, sha in sorted(git.list_dir(tree_id)):
        path = f"{prefix}{name}"
        if stat.S_ISDIR(mode):
            items.append({"type": "directory", "oid": sha, "size": 0, "path": path})
            if recursive:
                items.extend(_entries(git, sha, path + "/", True))
        else:
            items.append(_file_json(git, path, sha))
    return items


def _expand(git: GitRepo, commit: str, items: list[dict]) -> None:
    changes = git.last_changes(commit, [item["path"] for item in items])
    for item in items:
        info = changes.get(item["path"])
        if info:
            item["lastCommit"] = {"id": info.id, "title": info.title, "date": now_iso(info.timestamp)}
        if item["type"] == "file":
            # Nothing is scanned locally; the client needs every key present.
            item["securityFileStatus"] = {"status": "unscanned", "avScan": {"virusFound": False, "virusNames": None},
                                          "pickleImportScan": None}


def list_tree(call: Call, repo_type: str, repo_id: str, revision: str, path: str = ""):
    record = call.hub.readable(call, repo_type, repo_id)
    git = record.git()
    try:
        commit, _ = git.resolve(revision)
        path = path.strip("/")
        found = git.lookup(commit, path)
        if found is None or not stat.S_ISDIR(found[0]):
            raise entry_not_found(path or "/", commit)
        items = _entries(git, found[1], f"{path}/" if path else "", call.flag("recursive"))
        if call.flag("expand"):
            # Only the returned page is expanded: walking history is the costly part.
            return paginate(call, items, EXPANDED_PAGE_SIZE, prepare=lambda page: _expand(git, commit, page))
        return paginate(call, items, PAGE_SIZE)
    finally:
        git.close()


def paths_info(call: Call, repo_type: str, repo_id: str, revision: str):
    record = call.hub.readable(call, repo_type, repo_id)
    form = call.form_or_json()
    paths = [p.strip("/") for p in form.get("paths", []) if isinstance(p, str)]
    expand = str((form.get("expand") or ["false"])[0]).lower() in ("true", "1")
    git = record.git()
    try:
        commit, _ = git.resolve(revision)
        items = []
        for path in dict.fromkeys(paths):
            found = git.lookup(commit, path) if _is_repo_path(path) else None
            if found is None:
                continue
            mode, sha = found
            if stat.S_ISDIR(mode):
                items.append({"type": "directory", "oid": sha, "size": 0, "path": path})
            else:
                items.append(_file_json(git, path, sha))
        if expand:
            _expand(git, commit, items)
        return json_response(items)
    finally:
        git.close()


def _is_repo_path(path: str) -> bool:
    try:
        repo_path(path)
    except HubError:
        return False  # a path no file can have (e.g. a lone surrogate) is simply not there
    return True


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end_exclusive)`` of a single ``Range: bytes=`` request, or ``None``."""
    if not header:
        return None
    match = _RANGE_RE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        raise HubError(416, "Invalid range", headers={"Content-Range": f"bytes */{size}"})
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last) + 1, size) if last else size
    else:
        start, end = max(size - int(last), 0), size
    if start >= size or start >= end:
        raise HubError(416, "Requested range not satisfiable", headers={"Content-Range": f"bytes */{size}"})
    return start, end


def resolve(call: Call, repo_type: str, repo_id: str, revision: str, path: str):
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_download(call, record)
    git = record.git()
    try:
        commit, _ = git.resolve(revision)
        found = git.lookup(commit, path) if path else None
        if found is None or stat.S_ISDIR(found[0]):
            raise entry_not_found(path, commit)
        entry = git.file_entry(path, found[1])
        data = None if entry.lfs else git.read_blob(found[1])
    finally:
        git.close()
    headers = {
        "X-Repo-Commit": commit,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(path.rsplit('/', 1)[-1])}",
    }
    if entry.lfs:
        oid, size = entry.lfs
        if not call.hub.lfs.has(oid, size):
            raise HubError(404, f"LFS object {oid} of {path} is missing from the store", "EntryNotFound",
                           headers={"X-Repo-Commit": commit})
        headers.update({"ETag": f'"{oid}"', "X-Linked-Etag": f'"{oid}"', "X-Linked-Size": str(size)})
    else:
        size = len(data)
        headers["ETag"] = f'"{entry.blob_id}"'
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    window = _parse_range(call.headers.get("range"), size) if call.method == "GET" else None
    status = 200
    start, end = 0, size
    if window:
        start, end = window
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if call.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    if entry.lfs:
        return StreamingResponse(call.hub.lfs.read_range(entry.lfs[0], start, end), status_code=status,
                                 headers=headers, media_type=media_type)
    return Response(data[start:end], status_code=status, headers=headers, media_type=media_type)


def list_lfs_files(call: Call, repo_type: str, repo_id: str):
    """Every LFS object referenced by any commit of any ref, oldest push first."""
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    git = record.git()
    try:
        found: dict[str, dict] = {}
        for ref, head in git.refs("refs/").items():
            for info in git.history(head):
                for path, blob_id in git.flat_files(info.id).items():
                    entry = git.file_entry(path, blob_id)
                    if not entry.lfs:
                        continue
                    item = found.get(entry.lfs[0])
                    if item is None or info.timestamp <= item["_ts"]:
                        found[entry.lfs[0]] = {"fileOid": entry.lfs[0], "oid": entry.lfs[0], "size": entry.lfs[1],
                                               "filename": path, "pushedAt": now_iso(info.timestamp),
                                               "ref": f"refs/{ref}", "_ts": info.timestamp}
    finally:
        git.close()
    items = sorted(found.values(), key=lambda i: i.pop("_ts"))
    return paginate(call, items, PAGE_SIZE)
