"""Routes that read files: tree listing, paths-info, resolve (HEAD/GET downloads), and the
LFS files of a repo (listing and permanent deletion)."""

from __future__ import annotations

import mimetypes
import re
import stat
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from .errors import HubError, entry_not_found, repo_not_found
from .gitrepo import GitRepo
from .http import Call, json_response, paginate
from .safepath import repo_path
from .storage import now_iso

PAGE_SIZE = 1000
MAX_LFS_DELETIONS = 1000  # the client sends them in batches of 1000
_OID_RE = re.compile(r"^[0-9a-f]{64}$")
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
        # The repo's own claim, not just the store: an object permanently deleted from this
        # repo may still be stored for another one.
        if not call.hub.repo_objects(record).serves(oid, size):
            raise HubError(404, f"Entry not found: the LFS object {oid} of {path} was permanently deleted "
                                "or is missing from the store", "EntryNotFound", headers={"X-Repo-Commit": commit})
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
    """Every LFS object referenced by any commit of any ref, oldest push first.

    An object is attributed to its oldest commit, and to ``main`` when that commit is on
    ``main`` (then to the first ref by name). Objects permanently deleted from the repo are
    not listed, even when pointers to them remain (deleted without rewriting history).
    """
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    owned = call.hub.repo_objects(record).oids()
    git = record.git()
    try:
        found: dict[str, dict] = {}
        seen: set[str] = set()
        refs = sorted(git.refs("refs/").items(), key=lambda item: (item[0] != "heads/main", item[0]))
        for ref, head in refs:
            for info in git.history(head):
                if info.id in seen:
                    break  # and its ancestors: already attributed to an earlier ref
                seen.add(info.id)
                for path, blob_id in git.flat_files(info.id).items():
                    entry = git.file_entry(path, blob_id)
                    if not entry.lfs or entry.lfs[0] not in owned:
                        continue
                    item = found.get(entry.lfs[0])
                    if item is None or info.timestamp < item["_ts"]:
                        found[entry.lfs[0]] = {"fileOid": entry.lfs[0], "oid": entry.lfs[0], "size": entry.lfs[1],
                                               "filename": path, "pushedAt": now_iso(info.timestamp),
                                               "ref": f"refs/{ref}", "_ts": info.timestamp}
    finally:
        git.close()
    items = sorted(found.values(), key=lambda i: i.pop("_ts"))
    return paginate(call, items, PAGE_SIZE)


def _deletions(body: dict) -> tuple[set[str], bool]:
    """``(oids, rewrite history?)`` of an ``lfs-files/batch`` body."""
    deletions = body.get("deletions")
    if not isinstance(deletions, dict):
        raise HubError(400, "Expected {\"deletions\": {\"sha\": [oid, ...], \"rewriteHistory\": bool}}")
    shas = deletions.get("sha")
    if not isinstance(shas, list) or not all(isinstance(sha, str) and _OID_RE.fullmatch(sha) for sha in shas):
        raise HubError(400, "'deletions.sha' must be a list of LFS file oids (64 lowercase hex characters)")
    if len(shas) > MAX_LFS_DELETIONS:
        raise HubError(400, f"At most {MAX_LFS_DELETIONS} LFS files can be deleted per request")
    rewrite = deletions.get("rewriteHistory", True)
    if not isinstance(rewrite, bool):
        raise HubError(400, "'deletions.rewriteHistory' must be true or false")
    return set(shas), rewrite


def delete_lfs_files(call: Call, repo_type: str, repo_id: str):
    """``POST /api/{type}s/{repo}/lfs-files/batch`` ``{"deletions": {"sha": [oid, ...], "rewriteHistory": bool}}``:
    permanently delete LFS files of a repo. Owners only (org members for an org's repo),
    checked before the body is read.

    Afterwards the repo no longer lists (``lfs-files``), serves (resolve, LFS batch) or lets
    a commit reference these objects unless their bytes are uploaded again. An object is
    removed from the store unless another repository still holds it (objects are stored
    once by sha256): that repository keeps serving it.

    With ``rewriteHistory`` (the client's default) every ref's history is rewritten without
    the files pointing to these objects, so they disappear from every branch, tag and PR;
    rewritten commits get new ids (commits that change nothing keep theirs). The rewrite
    holds the repo lock that commits take, and the refs move only once every object is
    written: a commit sees the refs all before or all after, and one that names the old
    head as ``parentCommit`` gets 412. Old commits stay reachable by id, their LFS files
    unavailable.

    Without ``rewriteHistory`` (as on the Hub) only the objects go: the pointer files stay
    in the trees, are still listed by the tree API, and downloading them fails with
    ``EntryNotFound`` (404). Oids the repo does not hold are ignored.
    """
    hub = call.hub
    record = hub.readable(call, repo_type, repo_id)
    hub.require_write(call, record)
    oids, rewrite = _deletions(call.json())
    with hub.storage.lock(record):
        record = hub.storage.find(repo_type, repo_id)
        if record is None:  # deleted or moved meanwhile
            raise repo_not_found()
        objects = hub.repo_objects(record)
        owned = oids & objects.oids()
        if rewrite:
            git = record.git()
            try:
                if not git.move_refs(git.without_lfs(oids)):
                    raise HubError(409, "The repository was updated during the deletion. Try again.")
            finally:
                git.close()
        objects.forget(oids)
    hub.remove_lfs_objects(record, owned)
    return json_response({})
