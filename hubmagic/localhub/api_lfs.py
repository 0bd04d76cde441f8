"""Git LFS batch API (basic transfer), the signed upload/download hrefs and verify.

Every answer is about the repo in the URL only (``lfs_store.RepoObjects``): a download
is offered for objects that repo's commits reference, an upload is skipped only for
objects already in that repo or uploaded for it. What other repos hold never shows.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse

from .errors import HubError
from .http import Call, json_response

_OID_RE = re.compile(r"^[0-9a-f]{64}$")
LFS_MEDIA_TYPE = "application/vnd.git-lfs+json"


def batch(call: Call, repo_type: str, repo_id: str):
    record = call.hub.readable(call, repo_type, repo_id)
    body = call.json()
    operation = body.get("operation")
    objects = body.get("objects")
    if operation not in ("upload", "download") or not isinstance(objects, list):
        raise HubError(400, "Invalid LFS batch request")
    if operation == "upload":
        # Only a commit makes an object part of the repo, so any reader may upload
        # (that is how PRs to foreign repos work).
        if call.user is None:
            raise HubError(401, "You must be authenticated to upload LFS files")
    else:
        call.hub.require_download(call, record)
    owned = call.hub.repo_objects(record)
    store = call.hub.lfs
    repo_url = call.repo_url(repo_type, record.id)
    answers = []
    for item in objects:
        oid = str(item.get("oid", "")) if isinstance(item, dict) else ""
        size = item.get("size") if isinstance(item, dict) else None
        if not _OID_RE.fullmatch(oid) or isinstance(size, bool) or not isinstance(size, int) or size < 0:
            answers.append({"oid": oid, "size": size if isinstance(size, int) else 0,
                            "error": {"code": 422, "message": "Invalid oid or size"}})
            continue
        answer = {"oid": oid, "size": size, "authenticated": True}
        if operation == "upload" and not owned.holds(oid, size):
            answer["actions"] = {
                "upload": store.href(call.base_url, "upload", record.type, record.id, oid, size),
                "verify": {"href": f"{repo_url}.git/info/lfs/objects/verify", "header": {}},
            }
        elif operation == "download":
            if owned.serves(oid, size):
                answer["actions"] = {"download": store.href(call.base_url, "download", record.type, record.id,
                                                            oid, size)}
            else:
                answer["error"] = {"code": 404, "message": "Object does not exist"}
        answers.append(answer)
    return json_response({"transfer": "basic", "objects": answers, "hash_algo": "sha256"},
                         headers={"Content-Type": LFS_MEDIA_TYPE})


def verify(call: Call, repo_type: str, repo_id: str):
    record = call.hub.readable(call, repo_type, repo_id)
    body = call.json()
    oid, size = str(body.get("oid", "")), body.get("size")
    if (not _OID_RE.fullmatch(oid) or isinstance(size, bool) or not isinstance(size, int)
            or not call.hub.repo_objects(record).holds(oid, size)):
        raise HubError(404, f"Object {oid} was not uploaded to {record.id}")
    return json_response({"success": True})


def _signed_target(hub, action: str, repo_type: str, repo_id: str, oid: str, size: str, expires: str,
                   signature: str):
    """``(repo record, size)`` of a signed href; the repo must still exist."""
    if not _OID_RE.fullmatch(oid):
        raise HubError(403, f"Invalid LFS {action} link. Run the {action} again to get a new one.")
    expected = hub.lfs.check_href(action, repo_type, repo_id, oid, size, expires, signature)
    record = hub.storage.find(repo_type, repo_id)
    if record is None:
        raise HubError(404, f"The repository {repo_id} this link was made for no longer exists")
    return record, expected


async def upload(request: Request, hub, repo_type: str, repo_id: str, oid: str, size: str, expires: str,
                 signature: str) -> None:
    """Stream a PUT body into the LFS store (never held in memory), for the signed repo."""
    record, expected = _signed_target(hub, "upload", repo_type, repo_id, oid, size, expires, signature)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) != expected:
        raise HubError(400, f"Content-Length {declared} does not match the object size {expected}")
    await hub.lfs.receive(oid, expected, request.stream())
    hub.repo_objects(record).mark_uploaded(oid)
    await run_in_threadpool(hub.collect_lfs_if_due)


def download(call: Call, repo_type: str, repo_id: str, oid: str, size: str, expires: str, signature: str):
    record, expected = _signed_target(call.hub, "download", repo_type, repo_id, oid, size, expires, signature)
    # Checked again now: the repo may have dropped the object since the link was made.
    if not call.hub.repo_objects(record).serves(oid, expected):
        raise HubError(404, "Object does not exist")
    return StreamingResponse(call.hub.lfs.read_range(oid, 0, expected), media_type="application/octet-stream",
                             headers={"Content-Length": str(expected)})
