"""Errors the local Hub answers with, shaped like huggingface.co's.

The client decides which exception to raise from the status code and the
``X-Error-Code`` / ``X-Error-Message`` headers (``hf_raise_for_status``), so every
refusal carries them exactly as the Hub does.
"""

from __future__ import annotations


class HubError(Exception):
    """An HTTP error answer: status, optional Hub error code and a message."""

    def __init__(self, status: int, message: str, code: str | None = None, *, headers: dict | None = None,
                 body: dict | None = None):
        super().__init__(message)
        self.body = dict(body or {})
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


class Redirect(Exception):
    """A repo that was moved: the Hub answers 307 to its new name."""

    def __init__(self, old_id: str, new_id: str):
        super().__init__(f"{old_id} moved to {new_id}")
        self.old_id = old_id
        self.new_id = new_id


def repo_not_found(authenticated: bool = True) -> HubError:
    # The Hub answers 401 to anonymous callers and 404 to authenticated ones, so that
    # a private repo cannot be told apart from a missing one.
    return HubError(404 if authenticated else 401, "Repository not found", "RepoNotFound")


def revision_not_found(revision: str) -> HubError:
    return HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")


def entry_not_found(path: str, commit: str | None = None) -> HubError:
    headers = {"X-Repo-Commit": commit} if commit else {}
    return HubError(404, f"Entry not found: {path}", "EntryNotFound", headers=headers)


def invalid_credentials() -> HubError:
    return HubError(401, "Invalid credentials in Authorization header")


def forbidden(message: str) -> HubError:
    return HubError(403, message)


def conflict(message: str) -> HubError:
    return HubError(409, message)


def invalid_path(path) -> HubError:
    shown = repr(path)  # repr: control characters and lone surrogates are shown escaped
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return HubError(422, f"Invalid path in repository: {shown}. Use a relative path of '/'-separated names "
                         "without '.', '..', '.git', backslashes or control characters, each name at most 255 bytes.")
