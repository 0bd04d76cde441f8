"""``.gitattributes`` and ``.gitignore`` pattern matching, as git reads them.

The Hub decides whether a file goes to LFS from the ``filter=lfs`` rules of the
repo's ``.gitattributes`` and whether to skip it from ``.gitignore``; both use git's
wildmatch rules: a pattern without ``/`` matches the basename at any depth, one with
``/`` is anchored at the root, ``*`` stops at ``/``, ``**`` crosses folders.
"""

from __future__ import annotations

import re
from functools import lru_cache

LFS_RULE = "filter=lfs diff=lfs merge=lfs -text"

DEFAULT_LFS_PATTERNS = [
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib",
    "*.lfs.*", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot",
    "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors",
    "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip",
    "*.zst", "*tfevents*",
]

DATASET_EXTRA_PATTERNS = {
    "# Audio files - uncompressed": ["*.pcm", "*.sam", "*.raw"],
    "# Audio files - compressed": ["*.aac", "*.flac", "*.mp3", "*.ogg", "*.wav"],
    "# Image files - uncompressed": ["*.bmp", "*.gif", "*.png", "*.tiff"],
    "# Image files - compressed": ["*.jpg", "*.jpeg", "*.webp"],
    "# Video files - compressed": ["*.mp4", "*.webm"],
}


def default_gitattributes(repo_type: str) -> str:
    """The ``.gitattributes`` the Hub puts in the initial commit of a new repo."""
    lines = [f"{p} {LFS_RULE}" for p in DEFAULT_LFS_PATTERNS]
    if repo_type == "dataset":
        lines.append(f"*.lz4 {LFS_RULE}")
        lines.append(f"*.mds {LFS_RULE}")
        for header, patterns in DATASET_EXTRA_PATTERNS.items():
            lines.append(header)
            lines.extend(f"{p} {LFS_RULE}" for p in patterns)
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern:
    anchored = "/" in pattern.rstrip("/")
    body = pattern.lstrip("/").rstrip("/")
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if body.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if body.startswith("[[:space:]]", i):
            out.append(r"\s")
            i += 11
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = body.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
            else:
                cls = body[i + 1 : end].replace("\\", "\\\\")
                if cls.startswith("!"):
                    cls = "^" + cls[1:]
                out.append(f"[{cls}]")
                i = end
        elif c == "\\" and i + 1 < len(body):
            i += 1
            out.append(re.escape(body[i]))
        else:
            out.append(re.escape(c))
        i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + "".join(out))


def wildmatch(pattern: str, path: str) -> bool:
    """Whether ``path`` (repo-relative, ``/``-separated) matches a git pattern."""
    return _compile(pattern).fullmatch(path) is not None


def is_lfs_tracked(gitattributes: str, path: str) -> bool:
    """Whether the last matching ``.gitattributes`` line sets ``filter=lfs`` for ``path``."""
    tracked = False
    for line in gitattributes.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if not wildmatch(parts[0], path):
            continue
        for attr in parts[1:]:
            if attr == "filter=lfs":
                tracked = True
            elif attr.startswith("filter=") or attr in ("-filter", "!filter"):
                tracked = False
    return tracked


def is_ignored(gitignore: str, path: str) -> bool:
    """Whether ``.gitignore`` rules exclude ``path`` (or one of its parent folders)."""
    rules = []
    for line in gitignore.splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        rules.append((line[1:] if negate else line, negate))
    parts = path.split("/")
    # A folder that is ignored hides everything below it; git cannot re-include
    # a file whose parent folder is excluded.
    for depth in range(1, len(parts) + 1):
        candidate = "/".join(parts[:depth])
        is_dir = depth < len(parts)
        ignored = False
        for pattern, negate in rules:
            if pattern.endswith("/") and not is_dir:
                continue
            if wildmatch(pattern, candidate):
                ignored = not negate
        if ignored:
            return True
    return False
