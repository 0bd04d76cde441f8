"""Request/response plumbing shared by every route.

Handlers are plain functions ``handler(call, **params) -> Response`` run in a worker
thread; ``Call`` carries what they need (decoded path pieces, query, bounded body,
the authenticated user, the absolute base URL built from the ``Host`` header).

The body is read only when a handler first asks for it, which every handler does
after its access checks: a refused caller never gets a byte of its upload buffered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response

from .errors import HubError

REPO_TYPE_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
TRUE_VALUES = {"true", "1", "yes", "on"}
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Call:
    method: str
    path: str
    query: QueryParams
    headers: Headers
    read_body: Callable[[], BinaryIO]  # receives the (bounded) body into a file, once
    base_url: str
    request_id: str
    user: str | None
    hub: object  # the HubState serving this request
    params: dict = field(default_factory=dict)
    _body_file: BinaryIO | None = field(default=None, repr=False)

    def body_file(self) -> BinaryIO:
        """The request body as a file at its start (large bodies are on disk, not in memory)."""
        if self._body_file is None:
            self._body_file = self.read_body()
        self._body_file.seek(0)
        return self._body_file

    @property
    def body(self) -> bytes:
        return self.body_file().read()

    def close(self) -> None:
        if self._body_file is not None:
            self._body_file.close()

    def json(self) -> dict:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise HubError(400, "Invalid JSON body") from None
        except RecursionError:  # e.g. 100,000 nested '[': no Hub request nests that deep
            raise HubError(400, "Invalid JSON body: nested too deeply") from None
        if not isinstance(data, dict):
            raise HubError(400, "Expected a JSON object")
        return data

    def form_or_json(self) -> dict[str, list[str]]:
        """A form-encoded body (``paths=a&paths=b``) or JSON, as ``{key: [values]}``."""
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            data = self.json()
            return {k: v if isinstance(v, list) else [v] for k, v in data.items()}
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.query.get(name)
        if value is None:
            return default
        return value.strip().lower() in TRUE_VALUES

    def repo_url(self, repo_type: str, repo_id: str) -> str:
        return f"{self.base_url}/{REPO_TYPE_PREFIX[repo_type]}{repo_id}"

    def next_page_url(self, **changes) -> str:
        items = [(k, v) for k, v in self.query.multi_items() if k not in changes]
        items += [(k, str(v)) for k, v in changes.items()]
        return f"{self.base_url}{self.path}?{urlencode(items)}"


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    try:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate from a request: escaped, the JSON stays valid
        body = json.dumps(data, separators=(",", ":")).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def error_response(error: HubError, request_id: str) -> Response:
    # X-Error-Message must be latin-1 text without control characters: a CR, LF or NUL
    # echoed from the request would break the header block (or inject a header).
    header_message = _HEADER_UNSAFE.sub(" ", error.message.encode("latin-1", "replace").decode("latin-1"))
    headers = {"X-Error-Message": header_message, "X-Request-Id": request_id, **error.headers}
    if error.code:
        headers["X-Error-Code"] = error.code
    return json_response({**error.body, "error": error.message}, status=error.status, headers=headers)


def paginate(call: Call, items: list, page_size: int, prepare=None) -> Response:
    """A page of ``items`` starting at ``?cursor=``, with a ``Link: rel="next"`` when more.

    ``prepare(page)`` may complete the page's items in place before they are sent.
    """
    try:
        start = max(int(call.query.get("cursor", "0")), 0)
    except ValueError:
        raise HubError(400, "Invalid cursor") from None
    page = items[start : start + page_size]
    if prepare is not None:
        prepare(page)
    headers = {}
    if start + page_size < len(items):
        headers["Link"] = f'<{call.next_page_url(cursor=start + page_size)}>; rel="next"'
    return json_response(page, headers=headers)
