"""Bookkeeping of a model repository folder, kept in ``<folder>/.hubmagic/state.json``.

What the folder last pushed to / pulled from each (endpoint, repo_id, revision), so a
push can refuse a remote that moved in the meantime (the commit is sent with that
``parent_commit``), plus the repo id and settings given at ``init``, and the model's
fingerprint (an unchanged estimator keeps its file), and under ``"read"`` each file's size,
mtime and inode with its hashes, so a push does not read an unchanged file again (one
file: a push writes it once). The ``.hubmagic`` folder is never uploaded and never holds a token: only
commit ids, oids, hashes and names.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

STATE_DIR = ".hubmagic"
STATE_FILE = "state.json"


def state_path(folder: str | os.PathLike) -> Path:
    return Path(folder) / STATE_DIR / STATE_FILE


def remote_key(endpoint: str, repo_id: str, revision: str | None) -> str:
    return f"{endpoint.rstrip('/')}|{repo_id}|{revision or 'main'}"


def read_state(folder: str | os.PathLike) -> dict:
    """The folder's state (an empty one when the folder has none or it is unreadable)."""
    path = state_path(folder)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if not isinstance(state, dict):
        state = {}
    state.setdefault("remotes", {})
    state.setdefault("settings", {})
    return state


def write_state(folder: str | os.PathLike, state: dict) -> None:
    """Write ``state`` atomically (a crash never leaves half a JSON file)."""
    _write_json(state_path(folder), state)


def _write_json(path: Path, state: dict) -> None:
    """Write a JSON file atomically (a crash never leaves half a file).

    One line per top-level key: ``json.dumps`` without ``indent`` is the C encoder,
    which a folder pushed to many repositories (a growing ``remotes``) needs.
    """
    text = "{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, sort_keys=True)}"
                               for key, value in sorted(state.items())) + "\n}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def last_commit(folder, endpoint: str, repo_id: str, revision: str | None, *, state: dict | None = None) -> str | None:
    """The commit this folder last pushed to or pulled from that remote branch (in ``state``,
    a snapshot of the folder's state a push took at its start, if given)."""
    entry = (state or read_state(folder))["remotes"].get(remote_key(endpoint, repo_id, revision))
    return entry.get("commit") if entry else None


def known_commits(folder, endpoint: str, repo_id: str, *, state: dict | None = None) -> set[str]:
    """Every commit of ``repo_id`` this folder pushed or pulled, on any branch (see ``last_commit``)."""
    prefix = f"{endpoint.rstrip('/')}|{repo_id}|"
    remotes = (state or read_state(folder))["remotes"]
    return {v["commit"] for k, v in remotes.items() if k.startswith(prefix) and v.get("commit")}


def record_commit(folder, endpoint: str, repo_id: str, revision: str | None, commit: str, *, how: str,
                  files: list[str] | None = None, file_cache: dict | None = None) -> None:
    """Remember that the folder is in sync with ``commit`` on that remote branch (and, for a push,
    the ``files`` it sent: what a later ``mirror=False`` push may delete, and ``file_cache``:
    what its files were when read). Nothing is written when nothing changed."""
    state = read_state(folder)
    entry = {"commit": commit, "how": how}
    if files is not None:
        entry["files"] = list(files)
    key = remote_key(endpoint, repo_id, revision)
    if (state["remotes"].get(key) == entry and "repo_id" in state
            and (file_cache is None or state.get(FILE_CACHE_KEY) == file_cache)):
        return
    state["remotes"][key] = entry
    state.setdefault("repo_id", repo_id)
    if file_cache is not None:
        state[FILE_CACHE_KEY] = file_cache
    write_state(folder, state)


# -- what the folder's files were when last read (a push reads an unchanged file never again) --

FILE_CACHE_KEY = "read"


def read_file_cache(folder: str | os.PathLike, *, state: dict | None = None) -> dict:
    """``{path: entry}`` as the last push left it (``record_commit``); empty when missing or unreadable."""
    cache = (state or read_state(folder)).get(FILE_CACHE_KEY)
    return cache if isinstance(cache, dict) else {}

