"""Paths inside a repository: nothing may escape it or touch its git internals."""

from __future__ import annotations

from .errors import invalid_path


def repo_path(path) -> str:
    """Normalise a ``path_in_repo`` or refuse it with 422 as the Hub does.

    Refused: empty paths, absolute paths, backslashes, ``.``/``..`` components,
    ``.git`` folders, control characters.
    """
    if not isinstance(path, str) or not path or len(path) > 1000:
        raise invalid_path(str(path))
    if "\\" in path or path.startswith("/") or any(ord(c) < 32 for c in path):
        raise invalid_path(path)
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts) or any(p.lower() == ".git" for p in parts):
        raise invalid_path(path)
    return path


def folder_path(path: str) -> str:
    """A folder path as the client sends it (``"fold/sub/"`` or ``"fold/sub"``), normalised."""
    stripped = path.strip("/") if isinstance(path, str) else path
    return repo_path(stripped)
