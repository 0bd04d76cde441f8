"""detect-secrets, configured for a model repository: plugins, filters, speed.

The plugin set is chosen for what a notebook user pastes (cloud, Hub, Git forge and
LLM API credentials, passwords) and leaves out the high-entropy string detectors:
a model card's base64 figures, sha256 digests in config.json and hex commit ids
would be reported as secrets. Our plugins and filters live in ``plugins.py``,
which detect-secrets loads by path. The configured plugin objects are built once,
inside ``transient_settings`` (so detect-secrets' global settings are left as they
were), and cached.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_BUILTIN_PLUGINS = (
    "KeywordDetector",  # password/secret/api_key/private_key ... = "literal"
    "AWSKeyDetector",  # AKIA... ids, and 40-char secret keys assigned to aws_* names
    "PrivateKeyDetector",  # -----BEGIN ... PRIVATE KEY-----
    "SlackDetector",  # xox?- tokens and webhook URLs
    "StripeDetector",  # sk_live_ / rk_live_
    "PypiTokenDetector",  # pypi-AgEIcHlwaS5vcmc...
    "AzureStorageKeyDetector",  # AccountKey=... in connection strings
    "SendGridDetector",  # SG.xxx.yyy
)
_OUR_PLUGINS = (
    "HuggingFaceTokenDetector",
    "GitHubAccessTokenDetector",
    "GitLabAccessTokenDetector",
    "OpenAIStyleKeyDetector",
    "UrlPasswordDetector",
    "JsonWebTokenDetector",
    "TokenAssignmentDetector",
)
_HEURISTIC_FILTERS = (
    "detect_secrets.filters.allowlist.is_line_allowlisted",  # `# pragma: allowlist secret`
    "detect_secrets.filters.heuristic.is_sequential_string",  # "abcdef", "123456"
    "detect_secrets.filters.heuristic.is_potential_uuid",
    "detect_secrets.filters.heuristic.is_likely_id_string",  # user_id = "..."
    "detect_secrets.filters.heuristic.is_templated_secret",  # "<token>", "{x}", "${X}"
    "detect_secrets.filters.heuristic.is_prefixed_with_dollar_sign",
    "detect_secrets.filters.heuristic.is_not_alphanumeric_string",  # "***"
)
_OUR_FILTERS = ("is_placeholder_value", "is_dummy_value", "is_indirect_assignment")
_VERIFICATION_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"

_PLUGINS_FILE = Path(__file__).with_name("plugins.py").resolve()

def config() -> dict:
    """The detect-secrets configuration (a baseline's ``plugins_used``/``filters_used``)."""
    path = f"file://{_PLUGINS_FILE}"
    return {
        "plugins_used": [{"name": name} for name in _BUILTIN_PLUGINS]
        + [{"name": name, "path": path} for name in _OUR_PLUGINS],
        "filters_used": [{"path": name} for name in _HEURISTIC_FILTERS]
        + [{"path": f"{path}::{name}"} for name in _OUR_FILTERS],
    }


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def detectors():
    """Initialised plugins, line filters and secret filters (slow once, then cached)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import get_filters, get_plugins, transient_settings

    with _LOCK, transient_settings(config()):
        # The class registry is cached separately and must see our plugin file.
        get_mapping_from_secret_type_to_class.cache_clear()
        plugins = list(get_plugins())
        filters = list(get_filters())
    get_mapping_from_secret_type_to_class.cache_clear()
    line_filters = [f for f in filters if f.injectable_variables <= {"filename", "line", "context"}
                    and "line" in f.injectable_variables]
    secret_filters = [f for f in filters if f.injectable_variables & {"secret", "plugin"}]
    return plugins, line_filters, secret_filters


@contextmanager
def never_verify():
    """Plugins would send a secret to its vendor to verify it if another user of
    detect-secrets in this process enabled verification; secrets never leave here."""
    from detect_secrets.settings import get_settings

    filters = get_settings().filters
    saved = filters.pop(_VERIFICATION_FILTER, None)
    try:
        yield
    finally:
        if saved is not None:
            filters[_VERIFICATION_FILTER] = saved


_KEYWORD_STEMS = ("key", "pass", "pwd", "secret", "contras")
_LONG_LINE = 2000


def keyword_windows(line: str, lowered: str) -> list[str]:
    """The parts of a long line where the keyword detector can match.

    Its patterns start with an alternation of ~20 words, which the regex engine
    tries at every position: most of the scan time on lines without any of these
    words, and ~40 ms on one 70 KB base64 figure of a card. Every match starts at a
    keyword stem, so lines without one are skipped and long lines are cut to windows.
    """
    if not any(stem in lowered for stem in _KEYWORD_STEMS):
        return []
    if len(line) <= _LONG_LINE:
        return [line]
    spans: list[list[int]] = []
    for stem in _KEYWORD_STEMS:
        start = lowered.find(stem)
        while start >= 0:
            spans.append([max(start - 300, 0), min(start + 700, len(line))])
            start = lowered.find(stem, start + 1)
    spans.sort()
    merged: list[list[int]] = []
    for span in spans:
        if merged and span[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span[1])
        else:
            merged.append(span)
    return [line[a:b] for a, b in merged]


# A pattern every match of a plugin contains (searched in the line as is, and in the
# lower-cased line): lines without it are not given to the plugin, and lines without
# any of them are skipped at once. A plugin without an entry sees every line. Where a
# literal would let common text through (``hf_hub_download``, ``https://``), the anchor
# is the start of the plugin's own pattern.
_ANCHORS = {
    "AWSKeyDetector": (r"A3T|ABIA|ACCA|AKIA|ASIA", r"aws"),
    "PrivateKeyDetector": (r"PRIVATE KEY|PuTTY-User-Key-File", None),
    "SlackDetector": (None, r"xox|hooks\.slack\.com"),
    "StripeDetector": (r"k_live_", None),
    "PypiTokenDetector": (r"pypi-", None),
    "AzureStorageKeyDetector": (r"AccountKey=", None),
    "SendGridDetector": (r"SG\.", None),
    "HuggingFaceTokenDetector": (r"hf_[A-Za-z0-9]{30}|api_org_[A-Za-z0-9]{30}", None),
    "GitHubAccessTokenDetector": (r"gh[pousr]_|github_pat_", None),
    "GitLabAccessTokenDetector": (r"gl[a-z]{1,5}-", None),
    "OpenAIStyleKeyDetector": (r"sk-[A-Za-z0-9_-]{20}", None),
    "UrlPasswordDetector": (r"://[^\s:/?#@\"'`<>]+:[^\s/?#@\"'`<>]+@", None),
    "JsonWebTokenDetector": (r"eyJ", None),
    "TokenAssignmentDetector": (None, r"token|access|key"),
    "KeywordDetector": (None, "|".join(_KEYWORD_STEMS)),
}


@functools.lru_cache(maxsize=1)
def gates():
    """(compiled anchors per plugin class name, one gate for all, or None)."""
    compiled = {
        name: (re.compile(exact) if exact else None, re.compile(lower) if lower else None)
        for name, (exact, lower) in _ANCHORS.items()
    }
    plugins, _, _ = detectors()
    if any(type(p).__name__ not in _ANCHORS for p in plugins):
        return compiled, None
    exact = "|".join(f"(?:{e})" for e, _ in _ANCHORS.values() if e)
    lower = "|".join(f"(?:{low})" for _, low in _ANCHORS.values() if low)
    return compiled, (re.compile(exact), re.compile(lower))


@functools.lru_cache(maxsize=1)
def block_anchors():
    """The anchors split into literals (found with ``str.find``, at memory speed) and the
    few real patterns (each compiled alone, so the engine can jump to its literal
    prefix): ``(literals, patterns)`` for the text as is, then for the lower-cased
    text. A block of lines with none of them holds nothing any plugin can report."""
    def split(pieces):
        literals, patterns = [], []
        for piece in pieces:
            plain = piece.replace("\\.", ".")
            if re.escape(plain).replace("\\ ", " ").replace("\\-", "-") == piece.replace("\\.", "\\."):
                literals.append(plain)
            else:
                patterns.append(re.compile(piece))
        return tuple(dict.fromkeys(literals)), tuple(patterns)

    exact = [piece for e, _ in _ANCHORS.values() if e for piece in e.split("|")]
    lower = [piece for _, low in _ANCHORS.values() if low for piece in low.split("|")]
    return split(exact), split(lower)


def anchor_positions(text: str, lowered: str) -> Iterator[int]:
    """Where any plugin's anchor starts in ``text`` (``lowered``: its lower-cased form, of
    the same length), each occurrence once per anchor, in no particular order: literals
    are found with ``str.find`` (at memory speed), the few patterns with ``finditer``."""
    (literals, patterns), (lower_literals, lower_patterns) = block_anchors()
    for haystack, needles, regexes in ((text, literals, patterns), (lowered, lower_literals, lower_patterns)):
        for needle in needles:
            yield from find_all(haystack, needle)
        for regex in regexes:
            for match in regex.finditer(haystack):
                yield match.start()


def find_all(haystack: str, needle: str) -> Iterator[int]:
    """Where ``needle`` starts in ``haystack``, each occurrence (overlapping ones too)."""
    at = haystack.find(needle)
    while at >= 0:
        yield at
        at = haystack.find(needle, at + 1)


def wants(plugin, line: str, lowered: str, compiled) -> bool:
    anchors = compiled.get(type(plugin).__name__)
    if anchors is None:
        return True
    exact, lower = anchors
    return bool((exact and exact.search(line)) or (lower and lower.search(lowered)))
