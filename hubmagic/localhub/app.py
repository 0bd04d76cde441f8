"""The ASGI application: routes the Hub's URL shapes to handlers.

Routing happens on the raw, still percent-encoded path: the client quotes revisions
with ``safe=""`` (``refs%2Fpr%2F1``), so the path is split on ``/`` first and each
piece unquoted afterwards.
"""

from __future__ import annotations

import logging
import re
import tempfile
import uuid
from collections.abc import Callable
from typing import BinaryIO, NamedTuple
from urllib.parse import unquote

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from . import access, api_commit, api_files, api_lfs, api_refs, api_repos, cards, discussions
from .errors import HubError, Redirect
from .http import Call, error_response, json_response

logger = logging.getLogger("hubmagic.localhub")

MAX_BODY = 16 * 1024 * 1024
SPOOL_BYTES = 1024 * 1024  # larger bodies wait on disk, not in memory
BODY_IDLE_SECONDS = 60
MAX_COMMIT_BODY = 512 * 1024 * 1024
_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_PREFIXES = {"datasets": "dataset", "spaces": "space"}
_ACTIONS = {"revision", "tree", "paths-info", "preupload", "commit", "commits", "refs", "branch", "tag",
            "settings", "discussions", "super-squash", "auth-check", "user-access-request", "lfs-files"}


class Target:
    """What a request maps to: a handler, its parameters, and how to read the body."""

    def __init__(self, handler, params: dict | None = None, max_body: int = MAX_BODY, streaming: bool = False):
        self.handler, self.params, self.max_body, self.streaming = handler, params or {}, max_body, streaming


def _not_found(path: str) -> HubError:
    return HubError(404, f"Sorry, we can't find the page you are looking for: {path}")


def _split_repo(rest: list[str]) -> tuple[str, list[str]]:
    """Split ``[ns, name, action, ...]`` or ``[name, action, ...]`` into repo id and the rest."""
    if len(rest) >= 3 and rest[2] in _ACTIONS:
        return f"{rest[0]}/{rest[1]}", rest[2:]
    if len(rest) >= 2 and rest[1] in _ACTIONS and len(rest) > 2:
        return rest[0], rest[1:]
    if len(rest) == 1:
        return rest[0], []
    return f"{rest[0]}/{rest[1]}", rest[2:]


def _no_more(args: list[str]) -> dict | None:
    return {} if not args else None


def _anything(args: list[str]) -> dict:
    return {}


def _joined(name: str):
    """The rest of the path (a revision or branch may contain ``/``) as parameter ``name``."""
    return lambda args: {name: "/".join(args)} if args else None


def _named(*names: str):
    """Exactly ``len(names)`` more path pieces, as these parameters."""
    return lambda args: dict(zip(names, args, strict=True)) if len(args) == len(names) else None


def _tree(args: list[str]) -> dict | None:
    return {"revision": args[0], "path": "/".join(args[1:])} if args else None


def _exactly(*pieces: str):
    """Exactly these more path pieces, no parameters."""
    return lambda args: {} if args == list(pieces) else None


def _comment_change(args: list[str]) -> dict | None:
    """``{num}/comment/{comment_id}/{change}`` (``edit``, ``hide``)."""
    if len(args) == 4 and args[1] == "comment":
        return {"num": args[0], "comment_id": args[2], "change": args[3]}
    return None


def _auth_check(call, repo_type, repo_id):
    """200 when the caller may download the repo's files: visible, and granted if it is gated."""
    call.hub.require_download(call, call.hub.readable(call, repo_type, repo_id))
    return json_response({})


class _Rule(NamedTuple):
    handler: Callable
    params: Callable[[list[str]], dict | None]  # the path after the action -> parameters, None if it doesn't fit
    max_body: int = MAX_BODY


# /api/{type}s/{repo}/{action}/... by (action, method); the first rule whose path shape fits wins.
_REPO_ROUTES: dict[tuple[str | None, str], tuple[_Rule, ...]] = {
    (None, "GET"): (_Rule(api_repos.repo_info, _no_more),),
    ("revision", "GET"): (_Rule(api_repos.repo_info, _joined("revision")),),
    ("tree", "GET"): (_Rule(api_files.list_tree, _tree),),
    ("paths-info", "POST"): (_Rule(api_files.paths_info, _joined("revision")),),
    ("preupload", "POST"): (_Rule(api_commit.preupload, _joined("revision")),),
    ("commit", "POST"): (_Rule(api_commit.commit, _joined("revision"), max_body=MAX_COMMIT_BODY),),
    ("commits", "GET"): (_Rule(api_refs.list_commits, _joined("revision")),),
    ("refs", "GET"): (_Rule(api_refs.list_refs, _no_more),),
    ("branch", "POST"): (_Rule(api_refs.create_branch, _joined("branch")),),
    ("branch", "DELETE"): (_Rule(api_refs.delete_branch, _joined("branch")),),
    ("tag", "POST"): (_Rule(api_refs.create_tag, _joined("revision")),),
    ("tag", "DELETE"): (_Rule(api_refs.delete_tag, _joined("tag")),),
    ("settings", "PUT"): (_Rule(api_repos.update_settings, _anything),),
    ("user-access-request", "GET"): (_Rule(access.list_requests, _named("status")),),
    ("user-access-request", "POST"): (_Rule(access.grant, _exactly("grant")),
                                      _Rule(access.handle, _exactly("handle"))),
    ("super-squash", "POST"): (_Rule(api_refs.super_squash, _joined("branch")),),
    ("auth-check", "GET"): (_Rule(_auth_check, _anything),),
    ("discussions", "GET"): (_Rule(discussions.list_discussions, _no_more),
                             _Rule(discussions.discussion_details, _named("num"))),
    ("discussions", "POST"): (_Rule(discussions.create_discussion, _no_more),
                              _Rule(discussions.discussion_action, _named("num", "action")),
                              _Rule(discussions.comment_change, _comment_change)),
    ("lfs-files", "GET"): (_Rule(api_files.list_lfs_files, _no_more),),
    ("lfs-files", "POST"): (_Rule(api_files.delete_lfs_files, _exactly("batch")),),
}

_REPOS_ACTIONS = {("POST", "create"): api_repos.create_repo, ("DELETE", "delete"): api_repos.delete_repo,
                  ("POST", "move"): api_repos.move_repo}


def _api_repo_route(method: str, repo_type: str, rest: list[str]) -> Target:
    repo_id, tail = _split_repo(rest)
    action, args = (tail[0], tail[1:]) if tail else (None, [])
    for rule in _REPO_ROUTES.get((action, method), ()):
        params = rule.params(args)
        if params is not None:
            return Target(rule.handler, {"repo_type": repo_type, "repo_id": repo_id, **params},
                          max_body=rule.max_body)
    raise _not_found(f"/api/{repo_type}s/" + "/".join(rest))


def _api_route(method: str, parts: list[str]) -> Target:
    """``/api/...``: the account, repository creation and the per-repository API."""
    rest = parts[1:]
    if rest == ["whoami-v2"] and method == "GET":
        return Target(api_repos.whoami)
    if rest[:1] == ["repos"] and len(rest) == 2 and (method, rest[1]) in _REPOS_ACTIONS:
        return Target(_REPOS_ACTIONS[(method, rest[1])])
    if rest == ["validate-yaml"] and method == "POST":
        return Target(cards.validate_yaml)
    if method == "GET" and (rest == ["settings", "repositories"]
                            or (rest[:1] == ["organizations"] and rest[2:] == ["settings", "repositories"])):
        return Target(api_repos.list_settings_repositories, {"org": rest[1] if len(rest) == 4 else None})
    if rest and rest[0] in _TYPES:
        repo_type = _TYPES[rest[0]]
        if len(rest) == 1 and method == "GET":
            return Target(api_repos.list_repos, {"repo_type": repo_type})
        if len(rest) >= 2:
            return _api_repo_route(method, repo_type, rest[1:])
    raise _not_found("/" + "/".join(parts))


def _signed_lfs_route(method: str, parts: list[str]) -> Target | None:
    """Signed LFS hrefs: ``/lfs-{upload|download}/{type}/{repo id}/{oid}/{size}/{expires}/{signature}``."""
    if not (len(parts) in (7, 8) and parts[0] in ("lfs-upload", "lfs-download") and parts[1] in _TYPES.values()):
        return None
    params = {"repo_type": parts[1], "repo_id": "/".join(parts[2:-4]),
              **dict(zip(("oid", "size", "expires", "signature"), parts[-4:], strict=True))}
    if parts[0] == "lfs-upload" and method == "PUT":
        return Target(api_lfs.upload, params, streaming=True)
    if parts[0] == "lfs-download" and method == "GET":
        return Target(api_lfs.download, params)
    return None


def _lfs_batch_route(method: str, repo_type: str, parts: list[str]) -> Target | None:
    """``{repo}.git/info/lfs/objects/{batch|verify}``."""
    for i in (0, 1):
        if len(parts) == i + 5 and parts[i].endswith(".git") and parts[i + 1 : i + 4] == ["info", "lfs", "objects"]:
            repo_id = "/".join(parts[:i] + [parts[i][:-4]])
            handler = {"batch": api_lfs.batch, "verify": api_lfs.verify}.get(parts[i + 4])
            if handler and method == "POST":
                return Target(handler, {"repo_type": repo_type, "repo_id": repo_id})
    return None


def _resolve_route(method: str, repo_type: str, parts: list[str]) -> Target | None:
    """``{repo}/resolve/{rev}/{path}``."""
    for i in (1, 0):
        if len(parts) >= i + 4 and parts[i + 1] == "resolve" and method in ("GET", "HEAD"):
            repo_id = "/".join(parts[: i + 1])
            revision, path = parts[i + 2], parts[i + 3 :]
            if revision == "refs" and len(path) >= 3 and path[0] == "pr":  # unquoted refs/pr/N
                revision, path = "/".join([revision, *path[:2]]), path[2:]
            return Target(api_files.resolve, {"repo_type": repo_type, "repo_id": repo_id,
                                              "revision": revision, "path": "/".join(path)})
    return None


def route(method: str, parts: list[str]) -> Target:
    if method == "HEAD" and "resolve" not in parts:
        method = "GET"
    if parts[:1] == ["api"]:
        return _api_route(method, parts)
    target = _signed_lfs_route(method, parts)
    if target:
        return target
    repo_type = "model"
    if parts and parts[0] in _PREFIXES:
        repo_type, parts = _PREFIXES[parts[0]], parts[1:]
    target = _lfs_batch_route(method, repo_type, parts) or _resolve_route(method, repo_type, parts)
    if target:
        return target
    raise _not_found("/" + "/".join(parts))


async def _receive_body(request: Request, limit: int) -> BinaryIO:
    """The body in a spooled file (in memory up to ``SPOOL_BYTES``, then on disk), at most ``limit`` bytes."""
    declared = request.headers.get("content-length")
    too_large = HubError(413, f"The request body is larger than the {limit // 2**20} MiB this endpoint accepts. "
                              "Send large files through LFS (huggingface_hub does so for files over 10 MiB).")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    sink = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by Call.close()
    try:
        size, chunks = 0, request.stream().__aiter__()
        while True:
            # A client that stops sending must not hold a worker thread forever.
            with anyio.fail_after(BODY_IDLE_SECONDS):
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    break
            size += len(chunk)
            if size > limit:
                raise too_large
            sink.write(chunk)
    except TimeoutError:
        sink.close()
        raise HubError(408, f"The request body stopped arriving for {BODY_IDLE_SECONDS} s: send it again.") from None
    except BaseException:
        sink.close()
        raise
    return sink


_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,200}")


def _request_id(headers) -> str:
    """The id the answer carries (and every error message quotes): the client's own
    ``X-Request-Id`` if it sent one, else its trace id (``X-Amzn-Trace-Id``), as on the Hub;
    a fresh one otherwise, or when what was sent is not short printable text."""
    for name in ("x-request-id", "x-amzn-trace-id"):
        sent = headers.get(name)
        if sent and _REQUEST_ID.fullmatch(sent):
            return sent
    return uuid.uuid4().hex


def build_app(hub) -> Starlette:
    """The Starlette app serving ``hub`` (a ``HubState``)."""

    async def dispatch(request: Request):
        request_id = _request_id(request.headers)
        try:
            raw = request.scope.get("raw_path") or request.scope["path"].encode()
            raw = raw.split(b"?", 1)[0].decode("latin-1")
            parts = [unquote(p) for p in raw.strip("/").split("/")] if raw.strip("/") else []
            hub.recent_requests.append((request.method, raw if len(raw) <= 256 else raw[:253] + "..."))
            target = route(request.method, parts)
            if target.streaming:
                await target.handler(request, hub, **target.params)
                response = json_response({})
            else:
                user = hub.accounts.user_for(request.headers.get("authorization"))
                for name in ("revision", "branch", "tag"):
                    if name in target.params:
                        api_refs.check_revision(target.params[name])
                host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"

                def read_body(limit=target.max_body):
                    # Called from the handler's worker thread, after its access checks.
                    return anyio.from_thread.run(_receive_body, request, limit)

                call = Call(method=request.method, path=raw, query=request.query_params, headers=request.headers,
                            read_body=read_body, base_url=f"http://{host}", request_id=request_id, user=user,
                            hub=hub)
                try:
                    response = await run_in_threadpool(target.handler, call, **target.params)
                finally:
                    call.close()
        except HubError as error:
            response = error_response(error, request_id)
        except Redirect as moved:
            # Relative Location, as the Hub sends for renamed repos; clients follow it.
            location = raw.replace(moved.old_id, moved.new_id, 1)
            if request.url.query:
                location += "?" + request.url.query
            response = json_response({"error": str(moved)}, status=307, headers={"Location": location})
        except Exception as error:  # a bug: answer 500 with the reason instead of dropping the connection
            logger.exception("localhub: internal error on %s %s", request.method, request.url.path)
            response = error_response(HubError(500, f"Internal error: {type(error).__name__}: {error}"), request_id)
        response.headers["X-Request-Id"] = request_id
        return response

    async def every_path(scope, receive, send):
        # The router's default, not a ``Route``: a route pattern does not match a path
        # with a (percent-encoded) line break, which must get our 4xx all the same.
        response = await dispatch(Request(scope, receive))
        await response(scope, receive, send)

    app = Starlette()
    app.router.default = every_path
    return app

