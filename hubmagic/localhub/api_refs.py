"""Branches, tags, refs listing, commit history and super-squash."""

from __future__ import annotations

import re

from .errors import HubError, conflict, revision_not_found
from .gitrepo import commit_message
from .http import Call, json_response, paginate
from .storage import now_iso

_REF_NAME_RE = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)(?!.*@\{)[^\x00-\x20~^:?*\[\\\x7f]+(?<!/)(?<!\.lock)(?<!\.)$")


MAX_REF_CHARS = 255
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _shown(name: str) -> str:
    shown = repr(name)  # escapes control characters and lone surrogates
    return shown if len(shown) <= 80 else shown[:77] + "..."


def check_revision(revision: str) -> None:
    """Refuse, with 400, a revision no ref can have: too long, control characters, not Unicode."""
    try:
        encoded = revision.encode("utf-8")
    except UnicodeEncodeError:
        encoded = None
    if encoded is None or len(encoded) > MAX_REF_CHARS or _CONTROL_RE.search(revision):
        raise HubError(400, f"Invalid rev id: {_shown(revision)}. A revision is a branch or tag name, "
                            f"'refs/pr/N' or a commit id, at most {MAX_REF_CHARS} bytes, without control characters.")


def _check_name(name: str, kind: str) -> None:
    check_revision(name)
    # "HEAD" would shadow the symbolic ref git clones read first.
    if not _REF_NAME_RE.match(name) or name.startswith(("refs/", "-")) or name == "HEAD":
        raise HubError(400, f"Invalid {kind} name: {_shown(name)}. Use letters, digits, '-', '_', '.' or '/' "
                            "(not 'HEAD', no '..', no spaces), as git allows for branch names.")


def list_refs(call: Call, repo_type: str, repo_id: str):
    record = call.hub.readable(call, repo_type, repo_id)
    git = record.git()
    try:
        def items(prefix):
            return [{"name": n, "ref": f"{prefix}{n}", "targetCommit": c} for n, c in git.refs(prefix).items()]

        branches = sorted(items("refs/heads/"), key=lambda b: (b["name"] != "main", b["name"]))
        data = {"branches": branches, "converts": items("refs/convert/"),
                "tags": sorted(items("refs/tags/"), key=lambda t: t["name"])}
        if call.flag("include_prs"):
            prs = items("refs/pr/")
            data["pullRequests"] = sorted(prs, key=lambda p: int(p["name"]) if p["name"].isdigit() else 0)
    finally:
        git.close()
    return json_response(data)


def list_commits(call: Call, repo_type: str, repo_id: str, revision: str):
    record = call.hub.readable(call, repo_type, repo_id)
    formatted = "formatted" in call.query.getlist("expand[]") or "formatted" in call.query.getlist("expand")
    git = record.git()
    try:
        commit, _ = git.resolve(revision)
        items = []
        for info in git.history(commit):
            item = {"id": info.id, "title": info.title, "message": info.message,
                    "date": now_iso(info.timestamp), "authors": [{"user": info.author}]}
            if formatted:
                item["formatted"] = {"title": info.title, "message": info.message}
            items.append(item)
    finally:
        git.close()
    return paginate(call, items, 50 if formatted else 1000)


def create_branch(call: Call, repo_type: str, repo_id: str, branch: str):
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    _check_name(branch, "branch")
    body = call.json()
    start = body.get("startingPoint") or "main"
    if not isinstance(start, str):
        raise HubError(400, "'startingPoint' must be a branch, tag or commit id")
    check_revision(start)
    with call.hub.storage.lock(record):
        git = record.git()
        try:
            if git.ref_target(f"refs/heads/{branch}") is not None:
                raise conflict(f"Reference refs/heads/{branch} already exists")
            if body.get("emptyBranch") is True:
                target = git.write_commit({}, None, call.user, "initial commit\n")
            else:
                target, _ = git.resolve(start)
            git.set_ref(f"refs/heads/{branch}", None, target)
        finally:
            git.close()
    return json_response({})


def delete_branch(call: Call, repo_type: str, repo_id: str, branch: str):
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    if branch == "main":
        raise HubError(403, "Cannot delete refs/heads/main")
    with call.hub.storage.lock(record):
        git = record.git()
        try:
            if git.ref_target(f"refs/heads/{branch}") is None:
                raise HubError(400, f"Invalid rev id: {branch}")
            git.delete_ref(f"refs/heads/{branch}")
        finally:
            git.close()
    return json_response({})


def create_tag(call: Call, repo_type: str, repo_id: str, revision: str):
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    git = record.git()
    try:  # as on the Hub, a missing revision is reported before the tag name is judged
        git.resolve(revision)
    finally:
        git.close()
    body = call.json()
    tag = body.get("tag")
    if not isinstance(tag, str):
        raise HubError(400, "Missing tag name")
    _check_name(tag, "tag")
    with call.hub.storage.lock(record):
        git = record.git()
        try:
            target, _ = git.resolve(revision)
            if git.ref_target(f"refs/tags/{tag}") is not None:
                raise conflict(f"Tag {tag} already exists")
            git.set_ref(f"refs/tags/{tag}", None, target)
        finally:
            git.close()
    return json_response({})


def delete_tag(call: Call, repo_type: str, repo_id: str, tag: str):
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    with call.hub.storage.lock(record):
        git = record.git()
        try:
            if git.ref_target(f"refs/tags/{tag}") is None:
                raise revision_not_found(tag)
            git.delete_ref(f"refs/tags/{tag}")
        finally:
            git.close()
    return json_response({})


def super_squash(call: Call, repo_type: str, repo_id: str, branch: str):
    record = call.hub.readable(call, repo_type, repo_id)
    call.hub.require_write(call, record)
    message = call.json().get("message") or "Super-squash branch"
    if not isinstance(message, str):
        raise HubError(400, "'message' must be a string")
    with call.hub.storage.lock(record):
        git = record.git()
        try:
            head, ref = git.resolve(branch)
            if ref is None or not (ref.startswith("refs/heads/") or ref.startswith("refs/pr/")):
                raise revision_not_found(branch)
            files = git.flat_files(head)
            new = git.write_commit(files, None, call.user, commit_message(message, ""))
            git.set_ref(ref, head, new)
        finally:
            git.close()
    return json_response({"commitId": new})
