"""``.gitattributes`` and ``.gitignore`` pattern matching, as git reads them.

Patterns come from request bodies: they are matched with RE2 (linear time, no
backtracking), never with Python's ``re``, so no pattern can stall the server.

The Hub decides whether a file goes to LFS from the ``filter=lfs`` rules of the
repo's ``.gitattributes`` and whether to skip it from ``.gitignore``; both use git's
wildmatch rules: a pattern without ``/`` matches the basename at any depth, one with
``/`` is anchored at the root, ``*`` stops at ``/``, ``**`` crosses folders.
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2
from pathspec import GitIgnoreSpec

from .errors import HubError

LFS_RULE = "filter=lfs diff=lfs merge=lfs -text"
# Rules come from request bodies and repositories: bounded so compiling them stays cheap.
MAX_RULES = 2000
MAX_PATTERN_CHARS = 1024
MAX_GITIGNORE_CHARS = 64 * 1024
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False

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


def _translate(pattern: str) -> str:
    """A git wildmatch pattern as an RE2 regular expression (matched in linear time)."""
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
    return prefix + "".join(out)


def _rule_lines(text: str, what: str) -> list[str]:
    """The non-comment lines of a rules file, refused when too big to match quickly."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if len(lines) > MAX_RULES or any(len(line) > MAX_PATTERN_CHARS for line in lines):
        raise HubError(400, f"The {what} has more than {MAX_RULES} rules or a rule longer than "
                            f"{MAX_PATTERN_CHARS} characters: shorten it and try again.")
    return lines


@lru_cache(maxsize=64)
def _attribute_rules(gitattributes: str) -> tuple[re2.Set, list[bool | None]]:
    """All ``.gitattributes`` patterns in one RE2 set, and what each line does to ``filter``."""
    matcher, effects = re2.Set.FullMatchSet(_RE2_OPTIONS), []
    for line in _rule_lines(gitattributes, ".gitattributes"):
        parts = line.split()
        effect = None
        for attr in parts[1:]:
            if attr == "filter=lfs":
                effect = True
            elif attr.startswith("filter=") or attr in ("-filter", "!filter"):
                effect = False
        if effect is None:
            continue
        try:
            matcher.Add(_translate(parts[0]))
        except re2.error:
            continue  # git ignores a pattern it cannot parse
        effects.append(effect)
    matcher.Compile()
    return matcher, effects


def is_lfs_tracked(gitattributes: str, path: str) -> bool:
    """Whether the last matching ``.gitattributes`` line sets ``filter=lfs`` for ``path``."""
    if not gitattributes.strip():
        return False
    matcher, effects = _attribute_rules(gitattributes)
    matched = matcher.Match(path) if effects else []
    return bool(matched) and effects[max(matched)]


@lru_cache(maxsize=64)
def _ignore_spec(gitignore: str) -> GitIgnoreSpec:
    lines = _rule_lines(gitignore, ".gitignore")
    try:
        # RE2 explicitly: pathspec's fallback backend is Python's backtracking ``re``.
        return GitIgnoreSpec.from_lines(lines, backend="re2")
    except (ValueError, re.error, re2.error) as error:
        raise HubError(400, f"Invalid .gitignore rule ({error}): fix the rule and try again.") from None


def is_ignored(gitignore: str, path: str) -> bool:
    """Whether ``.gitignore`` rules exclude ``path`` (or one of its parent folders)."""
    if len(gitignore) > MAX_GITIGNORE_CHARS:
        raise HubError(400, f"The .gitignore is larger than {MAX_GITIGNORE_CHARS} characters: "
                            "shorten it and try again.")
    return _ignore_spec(gitignore).match_file(path)
