"""Gated repos: the users who asked for access, and whether they were accepted or rejected.

One list per repo, ``meta["accessRequests"]`` in its ``hubmagic.json``, is what downloads
honour: a user may download a gated repo's files when their request is ``accepted``.
Each entry is ``{"user", "requestId", "status", "timestamp", "rejectionReason"?,
"grantedBy"?}``. Data folders from before kept a bare ``meta["granted"]`` list of user
names; ``migrate_granted`` turns it into accepted requests when the Hub starts.

On huggingface.co a user asks for access through a web form; here, as through the API
there, the repo's owners move users between the lists with ``grant`` and ``handle``
(``cancel`` puts a request back to pending).
"""

from __future__ import annotations

import logging
import secrets

from .errors import HubError
from .http import Call, json_response, paginate
from .storage import REPO_TYPES, RepoRecord, now_iso

logger = logging.getLogger("hubmagic.localhub")

STATUSES = ("pending", "accepted", "rejected")
PAGE_SIZE = 100
MAX_REASON = 200


def _new_request(user: str, status: str, timestamp: str | None = None, **extra) -> dict:
    return {"user": user, "requestId": secrets.token_hex(12), "status": status,
            "timestamp": timestamp or now_iso(), **extra}


def requests_of(record: RepoRecord) -> list[dict]:
    return record.meta.get("accessRequests") or []


def has_access(record: RepoRecord, user: str | None) -> bool:
    """Whether ``user``'s access request to ``record`` was accepted."""
    return user is not None and any(r["user"] == user and r["status"] == "accepted" for r in requests_of(record))


def migrate_granted(storage) -> None:
    """Turn the ``granted`` list of older data folders into accepted requests (once, at start)."""
    for repo_type in REPO_TYPES:
        for found in list(storage.all(repo_type)):
            if "granted" not in found.meta:
                continue
            try:
                with storage.lock(found):
                    record = storage.find(found.type, found.id)
                    if record is None or "granted" not in record.meta:
                        continue
                    items = record.meta.setdefault("accessRequests", [])
                    known = {r["user"] for r in items}
                    stamp = record.meta.get("createdAt")
                    items.extend(_new_request(user, "accepted", stamp) for user in record.meta["granted"]
                                 if isinstance(user, str) and user not in known)
                    del record.meta["granted"]
                    storage.save_meta(record)
            except OSError:
                logger.exception("localhub: could not migrate the access grants of %s", found.id)


def _managed(call: Call, repo_type: str, repo_id: str) -> RepoRecord:
    """The gated repo whose access requests ``call.user`` may see and handle (its owners)."""
    record = call.hub.readable(call, repo_type, repo_id)
    if call.user is None:
        raise HubError(401, "You must be authenticated to manage access requests")
    if not call.hub.can_write(call.user, record):
        raise HubError(403, f"You need write access to {record.id} to manage its access requests")
    if not record.meta.get("gated"):
        raise HubError(400, f"{record.id} is not a gated repo: enable gating in its settings first")
    return record


def _shown(call: Call, request: dict) -> dict:
    name = request["user"]
    user = {"user": name, "fullname": call.hub.accounts.fullnames.get(name, name), "type": "user", "isPro": False}
    if request.get("email"):  # given in the request form; not when granted by an owner
        user["email"] = request["email"]
    data = {"user": user, "requestId": request["requestId"], "status": request["status"],
            "timestamp": request["timestamp"]}
    if request.get("fields"):
        data["fields"] = request["fields"]
    if request["status"] == "rejected" and request.get("rejectionReason"):
        data["rejectionReason"] = request["rejectionReason"]
    return data


def list_requests(call: Call, repo_type: str, repo_id: str, status: str):
    """``GET /api/{type}s/{repo}/user-access-request/{pending|accepted|rejected}``, newest first."""
    if status not in STATUSES:
        raise HubError(404, f"Sorry, we can't find the page you are looking for: {call.path}")
    record = _managed(call, repo_type, repo_id)
    found = sorted((r for r in requests_of(record) if r["status"] == status),
                   key=lambda r: r["timestamp"], reverse=True)
    return paginate(call, [_shown(call, r) for r in found], PAGE_SIZE)


def _known_user(call: Call, user) -> str:
    if not isinstance(user, str) or user not in call.hub.accounts.users:
        raise HubError(404, f"User {user!r} not found")
    return user


def grant(call: Call, repo_type: str, repo_id: str):
    """``POST .../user-access-request/grant`` ``{"user": name}``: accepted, without a request of theirs."""
    record = _managed(call, repo_type, repo_id)
    user = _known_user(call, call.json().get("user"))
    with call.hub.storage.lock(record):
        record = call.hub.storage.find(repo_type, repo_id) or record
        items = record.meta.setdefault("accessRequests", [])
        request = next((r for r in items if r["user"] == user), None)
        if request is None:
            items.append(_new_request(user, "accepted", grantedBy=call.user))
        elif request["status"] == "accepted":
            raise HubError(400, f"User {user} already has access to {record.id}")
        else:
            request.update(status="accepted", grantedBy=call.user)
            request.pop("rejectionReason", None)
        call.hub.storage.save_meta(record)
    return json_response({})


def _handle_body(call: Call) -> tuple[str | None, str | None, str, str | None]:
    """``(user, request id, new status, rejection reason)`` of a ``handle`` body."""
    body = call.json()
    user, request_id, status, reason = body.get("user"), body.get("requestId"), body.get("status"), None
    if status not in STATUSES:
        raise HubError(400, f"status must be one of {', '.join(STATUSES)}")
    if (user is None) == (request_id is None):
        raise HubError(400, "Give exactly one of 'user' and 'requestId'")
    if request_id is not None and not isinstance(request_id, str):
        raise HubError(400, "'requestId' must be a string")
    if body.get("rejectionReason") is not None:
        reason = body["rejectionReason"]
        if status != "rejected":
            raise HubError(400, "A rejection reason can only be given when rejecting a request")
        if not isinstance(reason, str) or len(reason) > MAX_REASON:
            raise HubError(400, f"The rejection reason must be text of at most {MAX_REASON} characters")
    if user is not None:
        user = _known_user(call, user)
    return user, request_id, status, reason


def handle(call: Call, repo_type: str, repo_id: str):
    """``POST .../user-access-request/handle`` ``{"user"|"requestId", "status", "rejectionReason"?}``."""
    record = _managed(call, repo_type, repo_id)
    user, request_id, status, reason = _handle_body(call)
    with call.hub.storage.lock(record):
        record = call.hub.storage.find(repo_type, repo_id) or record
        request = next((r for r in requests_of(record)
                        if (r["user"] == user if user is not None else r["requestId"] == request_id)), None)
        if request is None:
            raise HubError(404, f"No access request from {user or request_id} to {record.id}")
        if request["status"] == status:
            raise HubError(404, f"The access request of {request['user']} is already {status}")
        request["status"] = status
        if reason:
            request["rejectionReason"] = reason
        else:
            request.pop("rejectionReason", None)
        call.hub.storage.save_meta(record)
    return json_response({})
