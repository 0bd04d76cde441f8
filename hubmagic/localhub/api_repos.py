"""Routes about repositories as a whole: whoami, create, delete, move, settings, info, listing."""

from __future__ import annotations

from dulwich.errors import NotGitRepository

from .cards import front_matter
from .errors import HubError
from .http import Call, json_response, paginate
from .safepath import split_repo_id
from .storage import REPO_TYPES, RepoRecord, now_iso

_TYPE_BY_NAME = {None: "model", "model": "model", "dataset": "dataset", "space": "space"}


def whoami(call: Call):
    if call.user is None:
        raise HubError(401, "Invalid credentials in Authorization header")
    return json_response(call.hub.accounts.whoami(call.user))


def _repo_type(value) -> str:
    if not (value is None or isinstance(value, str)) or value not in _TYPE_BY_NAME:
        raise HubError(400, f"Invalid repo type: {value!r}")
    return _TYPE_BY_NAME[value]


def _visibility(body: dict, default=None):
    if "visibility" in body:
        if body["visibility"] not in ("private", "public"):
            raise HubError(400, "visibility must be 'private' or 'public'")
        return body["visibility"] == "private"
    private = body.get("private")
    if private is None:
        return default
    # A string such as "false" would be truthy: refuse it rather than guess.
    if not isinstance(private, bool):
        raise HubError(400, f"'private' must be true or false (a JSON boolean), not {private!r}")
    return private


def _repo_id(call: Call, body: dict) -> str:
    """``namespace/name`` from a body's ``name`` and optional ``organization``."""
    name, namespace = body.get("name"), body.get("organization") or call.user
    if not isinstance(name, str) or not name:
        raise HubError(400, "Missing repository name")
    if not isinstance(namespace, str):
        raise HubError(400, "'organization' must be the name of an organization")
    split_repo_id(f"{namespace}/{name}")
    return f"{namespace}/{name}"


def create_repo(call: Call):
    hub = call.hub
    if call.user is None:
        raise HubError(401, "You must be authenticated to create a repository")
    body = call.json()
    repo_type = _repo_type(body.get("type"))
    namespace, name = _repo_id(call, body).split("/")
    if not hub.accounts.namespace_exists(namespace):
        raise HubError(404, f"Namespace {namespace} not found")
    hub.require_namespace(call, namespace)
    if repo_type == "space" and not body.get("sdk"):
        raise HubError(400, "Missing space sdk ('gradio', 'docker' or 'static')")
    repo_id = f"{hub.accounts.canonical_namespace(namespace)}/{name}"
    try:
        private = bool(_visibility(body, hub.accounts.private_by_default(namespace)))
        record = hub.storage.create(repo_type, repo_id, private=private, author=call.user)
    except HubError as error:
        if error.status == 409:  # the client reads ``url`` from the 409 when exist_ok=True
            existing = hub.storage.find(repo_type, repo_id)
            error.body["url"] = call.repo_url(repo_type, existing.id if existing else repo_id)
        raise
    url = call.repo_url(repo_type, record.id)
    return json_response({"url": url, "name": record.id, "id": record.id})


def delete_repo(call: Call):
    if call.user is None:
        raise HubError(401, "You must be authenticated to delete a repository")
    body = call.json()
    record = call.hub.readable(call, _repo_type(body.get("type")), _repo_id(call, body))
    call.hub.require_write(call, record)
    call.hub.storage.delete(record)
    return json_response({})


def move_repo(call: Call):
    if call.user is None:
        raise HubError(401, "You must be authenticated to move a repository")
    body = call.json()
    repo_type = _repo_type(body.get("type"))
    source, target = body.get("fromRepo"), body.get("toRepo")
    if not isinstance(source, str) or not isinstance(target, str):
        raise HubError(400, "'fromRepo' and 'toRepo' must both be repository ids ('namespace/name')")
    namespace, name = split_repo_id(target)
    record = call.hub.readable(call, repo_type, source)
    call.hub.require_write(call, record)
    if not call.hub.accounts.namespace_exists(namespace):
        raise HubError(404, f"Namespace {namespace} not found")
    call.hub.require_namespace(call, namespace)
    call.hub.storage.move(record, f"{call.hub.accounts.canonical_namespace(namespace)}/{name}")
    return json_response({})


def update_settings(call: Call, repo_type: str, repo_id: str):
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    body = call.json()
    with call.hub.storage.lock(record):
        record = call.hub.storage.find(repo_type, repo_id) or record
        private = _visibility(body)
        if private is not None:
            record.meta["private"] = private
        if "gated" in body:
            if body["gated"] not in ("auto", "manual", False):
                raise HubError(400, "gated must be 'auto', 'manual' or false")
            record.meta["gated"] = body["gated"]
        call.hub.storage.save_meta(record)
    return json_response({})


def repo_summary(call: Call, record: RepoRecord, commit: str | None = None) -> dict:
    git = record.git()
    try:
        commit = commit or git.resolve("main")[0]
        info = git.commit_info(commit)
        card = {}
        readme = git.lookup(commit, "README.md")
        if readme:
            card = front_matter(git.read_blob(readme[1]).decode("utf-8", "replace"))[0] or {}
    finally:
        git.close()
    data = {
        "_id": record.meta.get("createdAt", "") + record.id,
        "id": record.id,
        "author": record.namespace,
        "sha": commit,
        "lastModified": now_iso(info.timestamp),
        "createdAt": record.meta.get("createdAt"),
        "private": record.private,
        "gated": record.meta.get("gated", False),
        "disabled": False,
        "downloads": 0,
        "likes": 0,
        "tags": _tags(card),
    }
    if record.type == "model":
        data["modelId"] = record.id
        for key in ("library_name", "pipeline_tag"):
            if isinstance(card.get(key), str):
                data[key] = card[key]
    if record.type == "space":
        data["sdk"] = card.get("sdk", "static")
        data["runtime"] = {"stage": "NO_APP_FILE", "hardware": {"current": None, "requested": None}}
    if card:
        data["cardData"] = card
    return data


def _tags(card: dict) -> list[str]:
    tags = [t for t in (card.get("tags") or []) if isinstance(t, str)] if isinstance(card.get("tags"), list) else []
    for key in ("library_name",):
        if isinstance(card.get(key), str) and card[key] not in tags:
            tags.append(card[key])
    if isinstance(card.get("license"), str):
        tags.append(f"license:{card['license']}")
    return tags


def repo_info(call: Call, repo_type: str, repo_id: str, revision: str = "main"):
    record = call.hub.readable(call, repo_type, repo_id)
    git = record.git()
    try:
        commit, _ = git.resolve(revision)
        data = repo_summary(call, record, commit)
        files = git.flat_files(commit)
        siblings = []
        for path in sorted(files):
            sibling = {"rfilename": path}
            if call.flag("blobs"):
                entry = git.file_entry(path, files[path])
                sibling.update(size=entry.size, blobId=entry.blob_id)
                if entry.lfs:
                    sibling["lfs"] = {"sha256": entry.lfs[0], "size": entry.lfs[1], "pointerSize": entry.pointer_size}
            siblings.append(sibling)
        data["siblings"] = siblings
    finally:
        git.close()
    expand = call.query.getlist("expand")
    if expand:
        # With ``expand`` the Hub answers only the requested properties (plus id).
        data = {k: v for k, v in data.items() if k in expand or k in ("id", "_id")}
    return json_response(data)


def list_repos(call: Call, repo_type: str):
    """``GET /api/models?author=&search=`` — the repos this caller may see, newest first."""
    author = (call.query.get("author") or "").lower()
    search = (call.query.get("search") or "").lower()
    wanted_tags = set(call.query.getlist("filter"))
    found = []
    for record in call.hub.storage.all(repo_type):
        if not call.hub.can_read(call.user, record):
            continue
        if author and record.namespace.lower() != author:
            continue
        if search and search not in record.id.lower():
            continue
        found.append(record)
    found.sort(key=lambda r: r.meta.get("createdAt", ""), reverse=True)
    try:
        limit = int(call.query.get("limit") or 0)
    except ValueError:
        raise HubError(400, "Invalid limit") from None
    items = []
    for record in found:
        try:
            summary = repo_summary(call, record)
        except (HubError, KeyError, OSError):
            continue  # deleted meanwhile
        if wanted_tags - set(summary["tags"]) - {summary.get("library_name")}:
            continue
        items.append(summary)
        if limit and len(items) >= limit:
            break
    return json_response(items)


SETTINGS_PAGE_SIZE = 1000


def list_settings_repositories(call: Call, org: str | None = None):
    """``GET /api/settings/repositories`` (the caller's repos) or
    ``GET /api/organizations/{org}/settings/repositories`` (an org's, for its members): the
    storage page ``list_user_repos`` / ``hf repos ls`` read, private repos included.

    Items ``{"id", "type", "updatedAt", "visibility", "private", "storage", "storagePercent"}``,
    most recently updated first, paginated with ``Link``. ``storage`` counts the repo's git
    objects and the LFS objects it holds (an object shared with another repo counts in
    both); ``storagePercent`` is its share of the namespace's total.
    """
    if call.user is None:
        raise HubError(401, "You must be authenticated to see your repositories' settings")
    namespace = call.user
    if org is not None:
        if not any(name.lower() == org.lower() for name in call.hub.accounts.orgs):
            raise HubError(404, f"Organization {org!r} not found")
        namespace = call.hub.accounts.canonical_namespace(org)
        if not call.hub.accounts.can_write(call.user, namespace):
            raise HubError(403, f"You must be a member of the organization {namespace} to see its repositories")
    items = []
    for repo_type in REPO_TYPES:
        for record in call.hub.storage.all(repo_type):
            if record.namespace.lower() != namespace.lower():
                continue
            try:
                items.append(_storage_item(call, record))
            except (HubError, KeyError, OSError, NotGitRepository):
                continue  # deleted meanwhile
    total = sum(item["storage"] for item in items)
    for item in items:
        item["storagePercent"] = round(100 * item["storage"] / total, 2) if total else 0
    items.sort(key=lambda item: (item.pop("_ts"), item["id"]), reverse=True)
    return paginate(call, items, SETTINGS_PAGE_SIZE)


def _storage_item(call: Call, record: RepoRecord) -> dict:
    git = record.git()
    try:
        info = git.commit_info(git.resolve("main")[0])
    finally:
        git.close()
    objects = record.path / "objects"
    size = sum(path.stat().st_size for path in objects.rglob("*") if path.is_file())
    for oid in call.hub.repo_objects(record).oids():
        size += call.hub.lfs.size(oid) or 0
    return {"id": record.id, "type": record.type, "updatedAt": now_iso(info.timestamp),
            "visibility": "private" if record.private else "public", "private": record.private,
            "storage": size, "_ts": info.timestamp}
