"""Names that reach the disk: repository ids and paths inside a repository.

Every route goes through these helpers, so a name from a URL or a request body can
never point outside the data folder or into a repository's git internals.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import HubError, invalid_path

MAX_PATH_CHARS = 1000
MAX_COMPONENT_BYTES = 255  # what Linux, macOS and Windows file systems allow for one name
_REPO_PART_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$")  # the Hub has __DUMMY_HUB_USER__
REPO_ID_RULES = (
    "A repository id is 'namespace/name' (your user name or one of your organizations, then the name): "
    "each part uses letters, digits, '-', '_' or '.', does not start or end with '-' or '.', contains no "
    "'--' or '..', does not end with '.git', and has at most 96 characters. Pick a name like 'my-model'."
)


def _short(text) -> str:
    shown = repr(text)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _valid_repo_part(part: str) -> bool:
    return (bool(_REPO_PART_RE.fullmatch(part)) and "--" not in part and ".." not in part
            and not part.lower().endswith(".git"))


def split_repo_id(repo_id) -> tuple[str, str]:
    """``(namespace, name)`` of a repo id, or a 400 that states the Hub's naming rules."""
    if isinstance(repo_id, str) and repo_id.count("/") == 1:
        namespace, name = repo_id.split("/")
        if _valid_repo_part(namespace) and _valid_repo_part(name):
            return namespace, name
    raise HubError(400, f"Invalid repository id {_short(repo_id)}. {REPO_ID_RULES}")


def repo_folder(root: Path, repo_type: str, repo_id: str) -> Path:
    """The folder of ``repo_id`` under ``root`` (case-insensitive, as on the Hub).

    The id is validated first; the resolved folder is then checked to be inside
    ``root`` all the same, so a symlink or a rule missed above cannot escape it.
    """
    namespace, name = split_repo_id(repo_id)
    real_root = root.resolve()
    folder = (real_root / f"{repo_type}s" / namespace.lower() / f"{name.lower()}.git").resolve()
    if folder.parent.parent.parent != real_root:
        raise HubError(400, f"Invalid repository id {_short(repo_id)}. {REPO_ID_RULES}")
    return folder


def repo_path(path) -> str:
    """Normalise a ``path_in_repo`` or refuse it with 422 as the Hub does.

    Refused: empty paths, absolute paths (``/`` or ``\\`` first), ``.``/``..`` components,
    a path that starts by going up in Windows' way (``..\\x``), ``.git`` folders, control
    characters, text that is not valid Unicode (lone surrogates), and components longer
    than a file system allows. A backslash inside a name is kept, as on the Hub: it is a
    character of a git file name, and the client refuses to write such a path outside the
    folder it downloads into. Paths never name a file on the server's disk (git trees).
    """
    if not isinstance(path, str) or not path or len(path) > MAX_PATH_CHARS:
        raise invalid_path(path)
    if path.startswith(("/", "\\")) or any(ord(c) < 32 or c == "\x7f" for c in path):
        raise invalid_path(path)
    if path.split("/", 1)[0].split("\\", 1)[0] in (".", ".."):
        raise invalid_path(path)
    try:
        parts = [p.encode("utf-8") for p in path.split("/")]
    except UnicodeEncodeError:
        raise invalid_path(path) from None
    if any(p in (b"", b".", b"..") or p.lower() == b".git" or len(p) > MAX_COMPONENT_BYTES for p in parts):
        raise invalid_path(path)
    return path


def folder_path(path: str) -> str:
    """A folder path as the client sends it (``"fold/sub/"`` or ``"fold/sub"``), normalised."""
    stripped = path.strip("/") if isinstance(path, str) else path
    return repo_path(stripped)
