"""The session's state as plain data (lists and dicts of JSON types) for its traits.

Front ends (the magics, the card editor, the lab panel) watch these values; they never
reach into the capture or the repository objects themselves.
"""

from __future__ import annotations

from hubmagic.repository import _state as repo_state

# What the Hub stores with LFS whatever .gitattributes says: files over 10 MiB, and
# binary files (the Hub refuses them as regular git blobs).
_LFS_SIZE = 10 * 1024 * 1024


def files_view(repository, diff=None) -> list[dict]:
    """``[{"path", "size", "lfs", "change"}]`` of the files a push would publish.

    ``diff`` (a ``FolderDiff`` against the last pushed commit, from ``status()``) gives the
    exact changes; without it they are told from the folder's state: a file the last push
    did not send is "added", one it sent and the folder lost is "deleted", the others are
    "unknown" until compared (or "unchanged" right after a push).
    """
    files = repository.files()
    if diff is not None:
        change = {p: kind for kind in ("added", "modified", "unchanged") for p, _ in getattr(diff, kind)}
        rows = [_row(repository, path, size, change.get(path, "unknown")) for path, size in files]
        return rows + [_row(repository, path, size, "deleted", exists=False) for path, size in diff.deleted]
    pushed = _last_pushed_files(repository)
    if pushed is None:
        return [_row(repository, path, size, "added") for path, size in files]
    present = {path for path, _ in files}
    rows = [_row(repository, path, size, "unknown" if path in pushed else "added") for path, size in files]
    return rows + [_row(repository, path, 0, "deleted", exists=False) for path in sorted(pushed - present)]


def mark_unchanged(files: list[dict]) -> list[dict]:
    """The rows right after a push: every file present is what the remote holds."""
    return [{**row, "change": "unchanged"} for row in files if row["change"] != "deleted"]


def _row(repository, path: str, size: int, change: str, *, exists: bool = True) -> dict:
    return {"path": path, "size": int(size), "lfs": exists and _stored_with_lfs(repository.path / path, size),
            "change": change}


def _stored_with_lfs(file, size: int) -> bool:
    if size > _LFS_SIZE:
        return True
    try:
        with open(file, "rb") as fh:
            return b"\0" in fh.read(8000)  # git's own test for a binary file
    except OSError:
        return False


def _last_pushed_files(repository) -> set[str] | None:
    """The files the folder's pushes sent (to any remote branch), ``None`` before any push."""
    remotes = repo_state.read_state(repository.path)["remotes"].values()
    sent = [entry["files"] for entry in remotes if entry.get("how") == "push" and entry.get("files") is not None]
    return set().union(*sent) if sent else None


def figures_view(figures, folder=None) -> list[dict]:
    """``[{"name", "execution_count", "caption", "include", "stale", "path"}]`` of the captured figures.

    ``stale`` is a bool here (why a figure is stale is told by ``%hub_figures``); ``path``
    is the figure's file in the repository ``folder`` once it is written there.
    """
    rows = []
    for figure in figures:
        written = folder / "figures" / f"{figure.name}.png" if folder is not None else None
        rows.append({
            "name": figure.name,
            "execution_count": figure.execution_count,
            "caption": figure.caption or "",
            "include": bool(figure.include),
            "stale": bool(figure.stale),
            "path": str(written) if written is not None and written.is_file() else None,
        })
    return rows


def script_view(script, text: str | None = None) -> dict:
    """``{"text", "kept_cells", "kept_cell_ids", "summary"}`` of a ``TrainScript``."""
    return {
        "text": script.text if text is None else text,
        "kept_cells": [r.execution_count for r in script.kept if r.execution_count is not None],
        "kept_cell_ids": [r.cell_id for r in script.kept if r.cell_id],
        "summary": script.summary(),
    }


def verdict_view(reproduction=None) -> dict:
    """``{"verified", "reason", "added_cells"}``: ``verified`` is None when train.py was not checked."""
    if reproduction is None:
        return {"verified": None, "reason": "", "added_cells": []}
    return {
        "verified": bool(reproduction.ok),
        "reason": reproduction.reason,
        "added_cells": [r.execution_count for r in reproduction.added if r.execution_count is not None]
        if reproduction.ok else [],
    }

