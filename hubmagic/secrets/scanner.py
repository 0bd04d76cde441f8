"""Find credentials in the text files of a model repository before they are published.

The detectors are detect-secrets plugins and filters (``detectors.py``). We drive
them line by line ourselves because detect-secrets' own file scanner needs files on
disk and stops at the first batch of findings, while we scan in-memory text and want
every line; here each line also gets the patterns of its dialect (a README's YAML
metadata, ``KEY=value`` lines), and findings become ``Finding`` objects a user reads.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
from collections.abc import Iterable

from hubmagic.secrets.detectors import (
    anchor_positions,
    detectors,
    find_all,
    gates,
    keyword_windows,
    never_verify,
    wants,
)
from hubmagic.secrets.files import iter_files
from hubmagic.secrets.finding import Finding

logger = logging.getLogger(__name__)

KNOWN_TOKEN_KIND = "Hugging Face token of the current user"

# detect-secrets plugin -> the kind a user reads. Assignment detectors come last in
# PRIORITY: when they report a value that a format detector also reports (or that
# contains it, e.g. "Bearer hf_..."), the more specific finding wins.
_KINDS = {
    "Hugging Face Token": "Hugging Face token",
    "AWS Access Key": "AWS access key",
    "GitHub Access Token": "GitHub token",
    "GitLab Access Token": "GitLab token",
    "OpenAI-style API Key": "OpenAI-style API key",
    "Slack Token": "Slack token",
    "Private Key": "private key",
    "URL Password": "password in a URL",
    "JSON Web Token (signed)": "JSON Web Token",
    "Stripe Access Key": "Stripe API key",
    "PyPI Token": "PyPI token",
    "Azure Storage Account access key": "Azure storage account key",
    "SendGrid API Key": "SendGrid API key",
    "Token Assignment": "token or key assigned in the file",
    "Secret Keyword": "password or secret assigned in the file",
}
_ASSIGNMENT_KINDS = {_KINDS["Token Assignment"], _KINDS["Secret Keyword"]}

STREAM_THRESHOLD = 5 * 1024 * 1024

_SHELL_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S")
_ENV_NAMES = re.compile(r"(^|\.)env(\..*)?$|^\.envrc$|^\.flaskenv$|\.(sh|bash|zsh)$")


@functools.lru_cache(maxsize=1024)
def _dialect(filename: str) -> tuple[str, bool]:
    """(file name the plugins see, whether it is free text) for a file name.

    detect-secrets picks its keyword patterns from the extension; ``.env`` files and
    shell scripts hold ``KEY=value`` lines, the patterns of ``.cfg`` files.
    """
    from detect_secrets.util.filetype import FileType, determine_file_type

    base = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if _ENV_NAMES.search(base):
        return filename + ".cfg", False
    return filename, determine_file_type(filename) is FileType.OTHER


def _normalise(secret_type: str, secret: str) -> str:
    if secret_type == "Azure Storage Account access key":
        return secret.split("=", 1)[-1]
    if secret_type == "Secret Keyword":
        # unquoted values run to the end of the line: drop a trailing comment
        return re.split(r"\s+#", secret, maxsplit=1)[0].rstrip(" ;,")
    return secret


_AWS_SECRET = re.compile(r"[0-9a-zA-Z/+]{40}")
_AWS_SECRET_NAME = re.compile(r"aws.{0,20}?secret", re.IGNORECASE)


def _kind(secret_type: str, secret: str, line: str) -> str:
    if secret_type == "AWS Access Key" and not re.match(r"(A3T|ABIA|ACCA|AKIA|ASIA)", secret):
        return "AWS secret access key"
    if (
        secret_type in ("Secret Keyword", "Token Assignment")
        and _AWS_SECRET.fullmatch(secret)
        and _AWS_SECRET_NAME.search(line)
    ):
        return "AWS secret access key"  # unquoted in .env files
    if secret_type == "Slack Token" and secret.startswith("https://"):
        return "Slack webhook URL"
    return _KINDS.get(secret_type, secret_type)


def _priority(kind: str) -> int:
    if kind == KNOWN_TOKEN_KIND:
        return 0
    if kind in _ASSIGNMENT_KINDS:
        return 3 if kind == _KINDS["Token Assignment"] else 4
    return 2 if kind == _KINDS["URL Password"] else 1


def _line_candidates(line, lineno, prev, eff_name, plugins, secret_filters):
    from detect_secrets.util.code_snippet import CodeSnippet
    from detect_secrets.util.inject import call_function_with_arguments

    context = None
    compiled, gate = gates()
    for variant in _forms(line):
        lowered = variant.lower()
        if not _opens_gate(gate, variant, lowered):
            continue
        for plugin in plugins:
            if not wants(plugin, variant, lowered, compiled):
                continue
            pieces = keyword_windows(variant, lowered) if plugin.secret_type == "Secret Keyword" else [variant]
            if not pieces:
                continue
            if context is None:
                context = CodeSnippet([prev, line], max(lineno - 2, 0), 1)
            potentials = [
                potential
                for piece in pieces
                for potential in plugin.analyze_line(
                    filename=eff_name, line=piece, line_number=lineno, context=context
                )
            ]
            for potential in potentials:
                secret = _normalise(plugin.secret_type, potential.secret_value or "")
                if not secret or secret not in line:
                    continue
                if any(
                    call_function_with_arguments(
                        f, filename=eff_name, secret=secret, plugin=plugin,
                        line=variant, context=context,
                    )
                    for f in secret_filters
                ):
                    continue
                yield _kind(plugin.secret_type, secret, line), secret, context


def _dedupe(found: dict[str, str]) -> dict[str, str]:
    """Keep one kind per value, and drop assignment values that merely contain a
    more specific finding (``password = "Bearer hf_..."``: the token is the secret)."""
    kept = {}
    for secret, kind in found.items():
        swallowed = kind in _ASSIGNMENT_KINDS and any(
            other != secret and other in secret and _priority(k) < _priority(kind)
            for other, k in found.items()
        )
        if not swallowed:
            kept[secret] = kind
    return kept


_BLOCK_LINES = 256


def _blocks(lines: Iterable[str]):
    lines = iter(lines)
    while block := list(itertools.islice(lines, _BLOCK_LINES)):
        yield block


def _busy(block: list[str], known: list[str], free_text: bool) -> list[int]:
    """The indices of the lines of a block that hold a detector's anchor or a known
    secret (or a card's ``---``, which changes its dialect), in order: each is found in
    the whole block at once, so a line without any costs nothing of its own."""
    joined = "\n".join(block)
    lowered = joined.lower()
    if len(lowered) != len(joined):  # a character whose lower case is longer: look line by line
        return [i for i, line in enumerate(block)
                if _may_hold(line, known) or (free_text and "---" in line)]
    found = set(anchor_positions(joined, lowered))
    for needle in known + (["---"] if free_text else []):
        found.update(find_all(joined, needle))
    lines, line, counted = [], 0, 0
    for at in sorted(found):  # the line of each position: the line breaks before it, counted once
        line += joined.count("\n", counted, at)
        counted = at
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _unquiet_lines(lines: Iterable[str], known: list[str], free_text: bool, all_anchored: bool):
    """``(lineno, line, previous line)`` of the lines that may hold a finding: every line
    when some detector has no anchor, else the busy lines of each block of 256."""
    lineno, prev = 0, ""
    for block in _blocks(lines):
        busy = _busy(block, known, free_text) if all_anchored else range(len(block))
        for i in busy:
            before = block[i - 1].rstrip("\r") if i else prev
            yield lineno + i + 1, block[i].rstrip("\r"), before
        lineno += len(block)
        prev = block[-1].rstrip("\r")


def scan_lines(lines: Iterable[str], filename: str = "<text>", *, known_secrets=()) -> list[Finding]:
    """Scan lines (without their line breaks) of one file; see ``scan_text``."""
    known = sorted({s for s in known_secrets if s and len(s) >= 8}, key=len, reverse=True)
    eff_name, free_text = _dialect(filename)
    findings: list[Finding] = []
    in_front_matter = False
    all_anchored = gates()[1] is not None  # else some plugin must see every line
    busy = _unquiet_lines(lines, known, free_text, all_anchored)
    first = next(busy, None)
    if first is None:
        return findings  # no line holds an anchor: the detectors are not even set up
    found_by = detectors()
    with never_verify():
        for lineno, line, prev in itertools.chain([first], busy):
            name = eff_name
            if free_text:
                name, in_front_matter = _free_text_name(line, lineno, in_front_matter, filename, eff_name)
            if all_anchored and not _may_hold(line, known):
                continue
            for secret, kind in _line_findings(line, lineno, prev, name, known, found_by).items():
                findings.append(Finding(filename, lineno, kind, secret))
    return findings


def _may_hold(line: str, known: list[str]) -> bool:
    """Whether a line can hold a finding: a known secret or a detector's anchor (as
    ``_line_candidates`` gates each form of the line), checked before any per-line work."""
    if any(secret in line for secret in known):
        return True
    gate = gates()[1]
    return any(_opens_gate(gate, form, form.lower()) for form in _forms(line))


def _forms(line: str) -> tuple[str, ...]:
    """The line, and the line as code when it sits inside a JSON string (notebooks: ``token = \"...\"``)."""
    return (line, line.replace('\\"', '"')) if '\\"' in line else (line,)


def _opens_gate(gate, line: str, lowered: str) -> bool:
    """Whether a form of a line holds a detector's anchor (always true when some detector has none)."""
    return gate is None or bool(gate[0].search(line) or gate[1].search(lowered))


def _free_text_name(line: str, lineno: int, in_front_matter: bool, filename: str, eff_name: str) -> tuple[str, bool]:
    """The name a free-text line is scanned under, and whether the card's YAML metadata continues:
    that block is read as YAML, and ``KEY=value`` lines of README snippets as config."""
    if lineno == 1 and line.strip() == "---":
        return eff_name, True
    if in_front_matter and line.strip() == "---":
        return eff_name, False
    if in_front_matter:
        return filename + ".yaml", True
    if _SHELL_ASSIGNMENT.match(line):
        return filename + ".cfg", False
    return eff_name, False


def _line_findings(line: str, lineno: int, prev: str, name: str, known: list[str], found_by) -> dict[str, str]:
    """``{secret: kind}`` of one line: the known secrets it holds, then what the detectors find."""
    from detect_secrets.util.inject import call_function_with_arguments

    plugins, line_filters, secret_filters = found_by
    found = {secret: KNOWN_TOKEN_KIND for secret in known if secret in line}
    candidates = list(_line_candidates(line, lineno, prev, name, plugins, secret_filters))
    for kind, secret, _ in candidates:
        if secret not in found or _priority(kind) < _priority(found[secret]):
            found[secret] = kind
    context = candidates[-1][2] if candidates else None
    if found and context is not None and any(
        call_function_with_arguments(f, filename=name, line=line, context=context)
        for f in line_filters
    ):
        found = {s: k for s, k in found.items() if k == KNOWN_TOKEN_KIND}
    return _dedupe(found)


def scan_text(text: str, filename: str = "<text>", *, known_secrets=()) -> list[Finding]:
    """Find credentials in the text of one file.

    Args:
        text: the file's content.
        filename: its name (relative path): the extension selects the patterns
            (``.py``: quoted literals only; ``.yaml``/``.env``: unquoted values too;
            ``README.md``: its YAML front matter is read as YAML).
        known_secrets: literal values to look for in addition, e.g. the token the
            push uses (``current_user_tokens()``); reported as
            "Hugging Face token of the current user".

    Returns:
        The findings, in line order. A value the user marked with
        ``# pragma: allowlist secret`` is not reported (except a known secret).

    >>> scan_text('api_key = "' + 'Zx81' * 6 + '"', "train.py")
    [Finding(file='train.py', line=1, kind='password or secret assigned in the file', secret='Zx81Z…81')]
    """
    return scan_lines(text.split("\n"), filename, known_secrets=known_secrets)


def current_user_tokens(token: str | None = None) -> list[str]:
    """The Hugging Face tokens of this user that must never be published.

    ``token`` (the one a push uses), ``HF_TOKEN``/``HUGGING_FACE_HUB_TOKEN`` and
    the token saved by ``huggingface-cli login`` (``huggingface_hub.get_token()``).
    """
    tokens = [token, os.environ.get("HF_TOKEN"), os.environ.get("HUGGING_FACE_HUB_TOKEN")]
    try:
        from huggingface_hub import get_token

        tokens.append(get_token())
    except Exception:
        logger.debug("no token saved by huggingface-cli login", exc_info=True)
    return list(dict.fromkeys(t for t in tokens if isinstance(t, str) and t.strip()))


def scan_folder(folder, files=None, *, known_secrets=()) -> list[Finding]:
    """Find credentials in the files of a repository folder.

    Args:
        folder: the local repository.
        files: paths (relative to ``folder``) to scan; default: every file except
            ``.git/``, ``.hubmagic/`` and ``.cache/huggingface/``. Each file is read
            once, and every view of it comes from that read: text in UTF-8/16/32 (by
            BOM or by where its NUL bytes are), gzip content (bounded), the strings
            inside a skops/pickle model or a ``.npy`` array (never loaded), the
            values of JSON/YAML documents and the card's metadata under their keys,
            and strings a Python script assembles from literals. Text and gzip
            files over ``STREAM_THRESHOLD`` are scanned line by line as they stream.
        known_secrets: the user's own tokens (``current_user_tokens()``): searched in
            the raw bytes of every file too, as UTF-8, UTF-16/32 and base64.

    Returns:
        Findings with ``file`` relative to ``folder`` (POSIX separators), sorted by
        file and line.
    """
    from hubmagic.secrets.filescan import scan_file

    known = [s for s in dict.fromkeys(known_secrets) if isinstance(s, str) and len(s) >= 8]
    findings = []
    for relative, path in iter_files(folder, files):
        findings += scan_file(path, relative, known, STREAM_THRESHOLD)
    return sorted(findings, key=lambda f: (f.file, f.line, f.kind))
