"""Discussions and pull requests: numbered per repo, a PR's commits live on ``refs/pr/N``.

They are kept in the repo's ``hubmagic.json`` (the git refs ``refs/pr/N`` are the
source of truth for a PR's content).
"""

from __future__ import annotations

import html
import secrets

from .errors import HubError
from .http import Call, json_response
from .storage import RepoRecord, now_iso

STATUSES = ("open", "closed", "merged", "draft")


def _event(kind: str, author: str, data: dict) -> dict:
    return {"id": secrets.token_hex(12), "type": kind, "createdAt": now_iso(),
            "author": {"name": author, "type": "user", "fullname": author, "isPro": False, "isHf": False},
            "data": data}


def _version(author: str, text: str) -> dict:
    """One version of a comment's text (the Hub renders markdown into ``html``; here it is escaped text)."""
    return {"raw": text, "html": html.escape(text), "updatedAt": now_iso(),
            "author": {"name": author, "type": "user"}}


def _comment(author: str, text: str) -> dict:
    return _event("comment", author, {"edited": False, "hidden": False, "latest": _version(author, text),
                                      "numEdits": 0, "editors": [author], "history": [], "reactions": [],
                                      "identifiedLanguage": {"language": "en", "probability": 1}})


def get(record: RepoRecord, num: int) -> dict:
    for item in record.meta.get("discussions", []):
        if item["num"] == num:
            return item
    raise HubError(404, f"Discussion #{num} not found")


def _create(call: Call, record: RepoRecord, *, title: str, description: str, is_pr: bool, base: str | None) -> dict:
    """Add a discussion to the repo meta (caller holds the repo lock and saves)."""
    items = record.meta.setdefault("discussions", [])
    num = max((d["num"] for d in items), default=0) + 1
    item = {"num": num, "title": title or f"Discussion #{num}", "status": "open", "isPullRequest": is_pr,
            "author": call.user, "createdAt": now_iso(), "base": base,
            "events": [_comment(call.user, description or "")]}
    items.append(item)
    return item


def open_pull_request(call: Call, record: RepoRecord, git, *, title: str, description: str, base: str,
                      head: str) -> int:
    """Create PR N with ``refs/pr/N`` at ``head``; the caller holds the repo lock."""
    record.meta = call.hub.storage.find(record.type, record.id).meta
    item = _create(call, record, title=title, description=description, is_pr=True, base=base)
    if not git.set_ref(f"refs/pr/{item['num']}", None, head):
        raise HubError(409, f"refs/pr/{item['num']} already exists")
    info = git.commit_info(head)
    item["events"].append(_event("commit", call.user, {"subject": info.title, "oid": head}))
    call.hub.storage.save_meta(record)
    return item["num"]


def add_commit_event(call: Call, record: RepoRecord, num: int, oid: str, subject: str) -> None:
    record.meta = call.hub.storage.find(record.type, record.id).meta
    get(record, num)["events"].append(_event("commit", call.user or "anonymous", {"subject": subject, "oid": oid}))
    call.hub.storage.save_meta(record)


def _summary(record: RepoRecord, item: dict) -> dict:
    return {"num": item["num"], "title": item["title"], "status": item["status"],
            "createdAt": item["createdAt"], "isPullRequest": item["isPullRequest"],
            "author": {"name": item["author"], "type": "user"},
            "repo": {"name": record.id, "type": record.type}, "pinned": False, "numComments": 0,
            "topReactions": []}


def _details(record: RepoRecord, item: dict) -> dict:
    data = _summary(record, item)
    data["events"] = item["events"]
    if item["isPullRequest"]:
        data["changes"] = {"base": item.get("base") or "refs/heads/main"}
        if item.get("mergeCommitId"):
            data["changes"]["mergeCommitId"] = item["mergeCommitId"]
        data["filesWithConflicts"] = []
        data["diff"] = ""
    return data


def create_discussion(call: Call, repo_type: str, repo_id: str):
    record = call.hub.readable(call, repo_type, repo_id)
    if call.user is None:
        raise HubError(401, "You must be authenticated to open a discussion")
    body = call.json()
    is_pr = bool(body.get("pullRequest"))
    with call.hub.storage.lock(record):
        record = call.hub.storage.find(repo_type, repo_id)
        git = record.git()
        try:
            head = git.resolve("main")[0]
            item = _create(call, record, title=str(body.get("title") or ""),
                           description=str(body.get("description") or ""), is_pr=is_pr,
                           base="refs/heads/main" if is_pr else None)
            if is_pr:
                git.set_ref(f"refs/pr/{item['num']}", None, head)
            call.hub.storage.save_meta(record)
        finally:
            git.close()
    return json_response({"num": item["num"], "pullRequest": is_pr})


def list_discussions(call: Call, repo_type: str, repo_id: str):
    record = call.hub.readable(call, repo_type, repo_id)
    items = list(reversed(record.meta.get("discussions", [])))
    kind = call.query.get("type", "all")
    if kind in ("discussion", "pull_request"):
        items = [d for d in items if d["isPullRequest"] == (kind == "pull_request")]
    status = call.query.get("status", "all")
    if status in STATUSES:
        items = [d for d in items if d["status"] == status]
    if call.query.get("author"):
        items = [d for d in items if d["author"] == call.query["author"]]
    page = call.query.get("p", "0") or "0"
    if not page.isdigit():
        raise HubError(400, f"Invalid page: {page}")
    page = int(page)
    size = 50
    chunk = items[page * size : (page + 1) * size]
    return json_response({"count": len(items), "start": page * size, "numClosedDiscussions": 0,
                          "discussions": [_summary(record, d) for d in chunk]})


def discussion_details(call: Call, repo_type: str, repo_id: str, num: str):
    record = call.hub.readable(call, repo_type, repo_id)
    return json_response(_details(record, get(record, _num(num))))


def _num(num: str) -> int:
    if not num.isdigit():
        raise HubError(400, f"Invalid discussion number: {num}")
    return int(num)


def discussion_action(call: Call, repo_type: str, repo_id: str, num: str, action: str):
    """``comment``, ``status``, ``title`` and ``merge`` on discussion ``num``."""
    record = call.hub.readable(call, repo_type, repo_id)
    if call.user is None:
        raise HubError(401, "You must be authenticated")
    body = call.json()
    with call.hub.storage.lock(record):
        record = call.hub.storage.find(repo_type, repo_id)
        item = get(record, _num(num))
        is_owner = call.hub.can_write(call.user, record)
        if action == "comment":
            event = _comment(call.user, str(body.get("comment") or ""))
            key = "newMessage"
        elif action == "title":
            if not (is_owner or item["author"] == call.user):
                raise HubError(403, "Only the author or the repo owners can rename a discussion")
            event = _event("title-change", call.user, {"from": item["title"], "to": str(body.get("title") or "")})
            item["title"] = event["data"]["to"]
            key = "newTitle"
        elif action == "status":
            status = body.get("status")
            if status not in ("open", "closed"):
                raise HubError(400, "status must be 'open' or 'closed'")
            if not (is_owner or item["author"] == call.user):
                raise HubError(403, "Only the author or the repo owners can change the status")
            item["status"] = status
            event = _event("status-change", call.user, {"status": status})
            key = "newStatus"
        elif action == "merge":
            if not is_owner:
                raise HubError(403, "Only the repo owners can merge a pull request")
            event = _merge(call, record, item)
            key = "newStatus"
        else:
            raise HubError(404, f"Unknown discussion action {action}")
        item["events"].append(event)
        if body.get("comment") and action in ("status", "merge"):
            item["events"].append(_comment(call.user, str(body["comment"])))
        call.hub.storage.save_meta(record)
    return json_response({key: event})


def _merge(call: Call, record: RepoRecord, item: dict) -> dict:
    """Apply the PR's changes onto its base branch in one commit (the Hub squashes)."""
    if not item["isPullRequest"] or item["status"] != "open":
        raise HubError(400, "Only an open pull request can be merged")
    git = record.git()
    try:
        base_ref = item.get("base") or "refs/heads/main"
        base_head = git.ref_target(base_ref)
        pr_head = git.ref_target(f"refs/pr/{item['num']}")
        if base_head is None or pr_head is None:
            raise HubError(400, "The pull request or its base branch no longer exists")
        pr_commits = {c.id for c in git.history(pr_head)}
        fork = next(c.id for c in git.history(base_head) if c.id in pr_commits) if pr_commits else base_head
        before, after = git.flat_files(fork), git.flat_files(pr_head)
        files = git.flat_files(base_head)
        for path in set(before) | set(after):
            if before.get(path) != after.get(path):
                if path in after:
                    files[path] = after[path]
                else:
                    files.pop(path, None)
        message = f"{item['title']} (#{item['num']})\n"
        new = git.write_commit(files, base_head, call.user, message)
        if not git.set_ref(base_ref, base_head, new):
            raise HubError(409, "The base branch moved during the merge, try again")
    finally:
        git.close()
    item["status"] = "merged"
    item["mergeCommitId"] = new
    return _event("status-change", call.user, {"status": "merged"})


def _find_comment(item: dict, comment_id: str) -> dict:
    for event in item["events"]:
        if event["type"] == "comment" and event["id"] == comment_id.lower():
            return event
    raise HubError(404, f"Comment {comment_id} not found in discussion #{item['num']}")


def _may_change(call: Call, record: RepoRecord, comment: dict, change: str) -> None:
    """Only its author edits a comment; its author or the repo's owners hide it."""
    is_author = comment["author"]["name"] == call.user
    if change == "edit" and not is_author:
        raise HubError(403, "Only the author of a comment can edit it")
    if change == "hide" and not (is_author or call.hub.can_write(call.user, record)):
        raise HubError(403, "Only the author of a comment or the repo owners can hide it")
    if change == "edit" and comment["data"]["hidden"]:
        raise HubError(403, "A hidden comment cannot be edited")


def _edit(call: Call, comment: dict, content) -> None:
    if not isinstance(content, str) or not content.strip():
        raise HubError(400, "The new content of the comment must be non-empty text")
    data = comment["data"]
    data.setdefault("history", []).insert(0, data["latest"])
    data["latest"] = _version(call.user, content)
    data["edited"] = True
    data["numEdits"] = data.get("numEdits", 0) + 1
    if call.user not in data.setdefault("editors", []):
        data["editors"].append(call.user)


def _hide(call: Call, comment: dict) -> None:
    """Hidden for good: its text and every earlier version of it are dropped."""
    data = comment["data"]
    if data["hidden"]:
        return
    data["hidden"] = True
    data["hiddenBy"] = call.user
    data["latest"] = {**_version(call.user, ""), "html": "This comment has been hidden"}
    data["history"] = [{"updatedAt": v.get("updatedAt"), "author": v.get("author")} for v in data.get("history", [])]


def comment_change(call: Call, repo_type: str, repo_id: str, num: str, comment_id: str, change: str):
    """``POST .../discussions/{num}/comment/{id}/edit`` ``{"content"}`` and ``.../hide``."""
    if change not in ("edit", "hide"):
        raise HubError(404, f"Unknown comment action {change}")
    record = call.hub.readable(call, repo_type, repo_id)
    if call.user is None:
        raise HubError(401, "You must be authenticated")
    _may_change(call, record, _find_comment(get(record, _num(num)), comment_id), change)
    content = call.json().get("content") if change == "edit" else None
    with call.hub.storage.lock(record):
        record = call.hub.storage.find(repo_type, repo_id) or record
        comment = _find_comment(get(record, _num(num)), comment_id)
        _may_change(call, record, comment, change)
        if change == "edit":
            _edit(call, comment, content)
        else:
            _hide(call, comment)
        call.hub.storage.save_meta(record)
    return json_response({"updatedComment": comment})
