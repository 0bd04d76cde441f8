"""Replace found credentials by environment lookups (Python) or placeholders (text).

In a ``.py`` file a literal becomes ``os.environ["NAME"]`` (``import os`` is added
when missing), so the script still runs — with the value taken from the
environment — and still parses. A password inside a URL literal becomes
``("postgres://user:" + os.environ["DB_PASSWORD"] + "@host/db")``. In any other
file the value becomes ``<redacted; set NAME>``, which is valid inside JSON strings
and YAML scalars. ``NAME`` comes from what the value is assigned to.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from hubmagic.secrets.files import is_binary
from hubmagic.secrets.finding import Finding
from hubmagic.secrets.naming import (
    URL_PASSWORD,
    Occurrence,
    env_name,
    make_names_unique,
    placeholder,
    text_target,
)
from hubmagic.secrets.python_redact import redact_python

_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")


def _occurrences(text: str, findings: list[Finding]) -> list[Occurrence]:
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found: dict[tuple[int, int], Occurrence] = {}
    for finding in findings:
        secret = finding.secret
        if not secret:
            continue
        # Long random values are redacted wherever they are; short ones only where
        # the scanner saw them (a URL password "pass" must not eat "password").
        strong = len(secret) >= 12 and finding.kind != URL_PASSWORD
        rows = range(len(lines)) if strong else [finding.line - 1]
        for row in rows:
            if not 0 <= row < len(lines):
                continue
            for start, end in _spans_in_line(lines[row], secret, finding.kind, strong):
                start, end = starts[row] + start, starts[row] + end
                if finding.kind == "private key":
                    start, end = _pem_span(text, start, end)
                found.setdefault((start, end), Occurrence(start, end, finding))
    return _widest(found.values())


def _spans_in_line(line: str, secret: str, kind: str, strong: bool):
    """Where ``secret`` stands in ``line`` as the value the scanner meant."""
    for match in re.finditer(re.escape(secret), line):
        start, end = match.span()
        if kind == URL_PASSWORD and not (line[start - 1 : start] == ":" and line[end : end + 1] == "@"):
            continue
        # A short value must not be cut out of a longer word.
        if not strong and (
            (start and line[start - 1].isalnum() and secret[0].isalnum())
            or (end < len(line) and line[end].isalnum() and secret[-1].isalnum())
        ):
            continue
        yield start, end


def _widest(occurrences) -> list[Occurrence]:
    """Keep the widest of overlapping spans (a known token inside a PEM block ...)."""
    merged: list[Occurrence] = []
    for occ in sorted(occurrences, key=lambda o: (o.start, -(o.end - o.start))):
        if merged and occ.start < merged[-1].end:
            continue
        merged.append(occ)
    return merged


def _pem_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A PEM block from its ``-----BEGIN`` to its ``-----END ...-----`` line."""
    if text[max(start - 5, 0) : start] == "-----":
        start -= 5
    closing = _PEM_END.search(text, end)
    if closing:
        return start, closing.end()
    line_end = text.find("\n", end)
    return start, len(text) if line_end < 0 else line_end


def _literal_at(text: str, occ: Occurrence) -> str:
    line_start = text.rfind("\n", 0, occ.start) + 1
    return text[line_start : occ.start].split()[-1] if text[line_start : occ.start].split() else ""


def _redact_as_text(text: str, occurrences: list[Occurrence]) -> str:
    for occ in occurrences:
        occ.name = env_name(occ.finding.kind, text_target(text, occ), _literal_at(text, occ))
    make_names_unique(text, occurrences)
    for occ in sorted(occurrences, key=lambda o: o.start, reverse=True):
        text = text[: occ.start] + placeholder(occ.name) + text[occ.end :]
    return text




def redact_text(text: str, findings, filename: str) -> str:
    """Remove the found secrets from the text of one file.

    Args:
        text: the file's content.
        findings: findings of ``scan_text``/``scan_folder``; those whose ``file`` is
            ``filename`` are applied (all of them if none names this file).
        filename: the file's name; ``.py`` files get environment lookups.

    Returns:
        The new text. Python stays valid Python; JSON stays valid JSON.

    >>> import hubmagic.secrets as s
    >>> src = 'token = "hf_' + "aB3dE5fG7hJ9kL1mN3pQ" * 2 + '"\\n'
    >>> print(s.redact_text(src, s.scan_text(src, "train.py"), "train.py"))
    import os
    token = os.environ["HF_TOKEN"]
    <BLANKLINE>
    """
    findings = list(findings)
    mine = [f for f in findings if f.file == filename] or findings
    occurrences = _occurrences(text, mine)
    if not occurrences:
        return text
    if filename.endswith((".py", ".pyw")):
        redacted = redact_python(text, occurrences)
        if redacted is not None:
            return redacted
    return _redact_as_text(text, occurrences)


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def redact_folder(folder, findings) -> list[str]:
    """Redact every text file of ``folder`` named by ``findings``; each file is
    replaced atomically, so an interruption leaves either the old or the new content.
    Binary files (model files, images) are never edited: a secret in one of them
    stays a finding, and the user must rebuild that file.

    Returns:
        The relative paths of the files that changed.
    """
    root = Path(folder)
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.file, []).append(finding)
    changed = []
    for relative, file_findings in sorted(by_file.items()):
        path = root / relative
        if not path.is_file() or is_binary(path):
            continue  # a model file or image: editing bytes would corrupt it
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        new = redact_text(text, file_findings, relative)
        if new != text:
            _write_atomically(path, new.encode("utf-8", "surrogateescape"))
            changed.append(relative)
    return changed
