"""What the scanner reports, and how it is shown to a user without leaking it."""

from __future__ import annotations

from dataclasses import dataclass, field


def mask(secret: str) -> str:
    """Show just enough of a secret to recognise it: ``hf_ab…yz``.

    >>> mask("hf_" + "abcdefghijklmnopqrstuvwxyz01234567")
    'hf_ab…67'
    >>> mask("hunter2")
    '…(7 chars)'
    """
    if secret.startswith(("-----BEGIN", "BEGIN ")):
        return secret.split("\n", 1)[0][:40]  # a PEM header is not itself secret
    if len(secret) >= 20:
        return f"{secret[:5]}…{secret[-2:]}"
    if len(secret) >= 12:
        return f"{secret[:2]}…{secret[-1:]}"
    return f"…({len(secret)} chars)"


@dataclass(frozen=True)
class Finding:
    """One credential found in a file.

    Attributes:
        file: path relative to the scanned folder (POSIX separators), or the name
            given to ``scan_text``.
        line: 1-based line number.
        kind: what it is, for people ("Hugging Face token", "password in a URL" ...).
        secret: the literal value found. Never print it: use ``masked`` or ``str()``.
        where: for a value that is not written as such in the file, how it was found
            ("decoded as UTF-16-LE", "in the model: array classes_ ...", "assembled
            from string literals"); empty for a plain text line. Such findings cannot
            be redacted as text.
    """

    file: str
    line: int
    kind: str
    secret: str = field(repr=False)
    where: str = ""

    @property
    def masked(self) -> str:
        """The secret with all but a few characters hidden, e.g. ``hf_ab…yz``."""
        return mask(self.secret)

    def __str__(self) -> str:
        file = self.file.replace(self.secret, self.masked)  # a file named after the secret
        place = f"{file}:{self.line}" if self.line else file
        where = f", {self.where}" if self.where else ""
        return f"{place}: {self.kind} ({self.masked}{where})"

    def __repr__(self) -> str:
        where = f", where={self.where!r}" if self.where else ""
        return (
            f"Finding(file={self.file.replace(self.secret, self.masked)!r}, line={self.line}, kind={self.kind!r}, "
            f"secret={self.masked!r}{where})"
        )


def format_findings(findings) -> str:
    """A paragraph telling the user what was found and how to fix it.

    Secrets are masked; the full value is never part of the text.

    >>> print(format_findings([Finding("train.py", 3, "Hugging Face token", "hf_" + "x" * 34)]))
    ... # doctest: +NORMALIZE_WHITESPACE
    Refusing to publish: 1 secret was found in the files to upload.
      train.py:3: Hugging Face token (hf_xx…xx)
    ...
    """
    findings = list(findings)
    if not findings:
        return "No secrets found."
    count = len(findings)
    noun = "secret was" if count == 1 else "secrets were"
    lines = [f"Refusing to publish: {count} {noun} found in the files to upload."]
    lines += [f"  {finding}" for finding in findings]
    lines.append(
        "Nothing was uploaded. Remove these values from the files, or let hubmagic do it: "
        "`%hub_push --redact` (Python: `redact=True`) replaces each literal by an "
        'environment lookup such as `os.environ["HF_TOKEN"]` in Python files and by a '
        "`<redacted; set NAME>` placeholder in other files. In your notebook, read "
        'credentials from the environment (`os.environ["HF_TOKEN"]`, `getpass()`) '
        "instead of typing them into a cell. If a finding is not a secret, add the "
        "comment `# pragma: allowlist secret` to its line. A token that was ever "
        "shared should be revoked and replaced."
    )
    if any(finding.where for finding in findings):
        lines.append(
            "A value found inside a model, an array, a compressed or non-UTF-8 file, or "
            "assembled from pieces in code cannot be redacted: remove it from the data or "
            "code that produced the file (e.g. the training labels or a fitted attribute), "
            "then rebuild the file (`%hub_init` / `ModelRepository.init`)."
        )
    return "\n".join(lines)
