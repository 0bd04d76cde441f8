"""Git LFS batch API (basic transfer), the streamed upload target and verify."""

from __future__ import annotations

import re

from starlette.requests import Request

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
        # Objects are content-addressed and only a commit makes them part of a repo,
        # so any reader may upload (that is how PRs to foreign repos work).
        if call.user is None:
            raise HubError(401, "You must be authenticated to upload LFS files")
    store = call.hub.lfs
    repo_url = call.repo_url(repo_type, record.id)
    answers = []
    for item in objects:
        oid = str(item.get("oid", "")) if isinstance(item, dict) else ""
        size = item.get("size") if isinstance(item, dict) else None
        if not _OID_RE.match(oid) or isinstance(size, bool) or not isinstance(size, int) or size < 0:
            answers.append({"oid": oid, "size": size if isinstance(size, int) else 0,
                            "error": {"code": 422, "message": "Invalid oid or size"}})
            continue
        answer = {"oid": oid, "size": size, "authenticated": True}
        present = store.has(oid, size)
        if operation == "upload" and not present:
            answer["actions"] = {
                "upload": {"href": f"{call.base_url}/lfs-upload/{oid}/{size}/{store.signature(oid, size)}",
                           "expires_in": 86400},
                "verify": {"href": f"{repo_url}.git/info/lfs/objects/verify", "header": {}},
            }
        elif operation == "download":
            if not present:
                answer["error"] = {"code": 404, "message": "Object does not exist"}
            else:
                answer["actions"] = {"download": {
                    "href": f"{call.base_url}/lfs-download/{oid}/{size}/{store.signature(oid, size)}"}}
        answers.append(answer)
    return json_response({"transfer": "basic", "objects": answers, "hash_algo": "sha256"},
                         headers={"Content-Type": LFS_MEDIA_TYPE})


def verify(call: Call, repo_type: str, repo_id: str):
    call.hub.readable(call, repo_type, repo_id)
    body = call.json()
    oid, size = str(body.get("oid", "")), body.get("size")
    if not _OID_RE.match(oid) or not call.hub.lfs.has(oid, size if isinstance(size, int) else None):
        raise HubError(404, f"Object {oid} was not uploaded")
    return json_response({"success": True})


def _signed(hub, oid: str, size: str, signature: str) -> int:
    if not _OID_RE.match(oid) or not size.isdigit() or not hub.lfs.check_signature(oid, int(size), signature):
        raise HubError(403, "Invalid or expired upload URL")
    return int(size)


async def upload(request: Request, hub, oid: str, size: str, signature: str) -> None:
    """Stream a PUT body into the LFS store (never held in memory)."""
    expected = _signed(hub, oid, size, signature)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) != expected:
        raise HubError(400, f"Content-Length {declared} does not match the object size {expected}")
    await hub.lfs.receive(oid, expected, request.stream())


def download(call: Call, oid: str, size: str, signature: str):
    from starlette.responses import StreamingResponse

    expected = _signed(call.hub, oid, size, signature)
    if not call.hub.lfs.has(oid, expected):
        raise HubError(404, "Object does not exist")
    return StreamingResponse(call.hub.lfs.read_range(oid, 0, expected), media_type="application/octet-stream",
                             headers={"Content-Length": str(expected)})
