"""What a redacted secret is called: the environment variable that replaces it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hubmagic.secrets.finding import Finding
from hubmagic.secrets.scanner import KNOWN_TOKEN_KIND

_DEFAULT_NAMES = {
    KNOWN_TOKEN_KIND: "HF_TOKEN",
    "Hugging Face token": "HF_TOKEN",
    "GitHub token": "GITHUB_TOKEN",
    "GitLab token": "GITLAB_TOKEN",
    "OpenAI-style API key": "OPENAI_API_KEY",
    "AWS access key": "AWS_ACCESS_KEY_ID",
    "AWS secret access key": "AWS_SECRET_ACCESS_KEY",
    "Slack token": "SLACK_TOKEN",
    "Slack webhook URL": "SLACK_WEBHOOK_URL",
    "Stripe API key": "STRIPE_API_KEY",
    "PyPI token": "PYPI_TOKEN",
    "Azure storage account key": "AZURE_STORAGE_KEY",
    "SendGrid API key": "SENDGRID_API_KEY",
    "JSON Web Token": "JWT",
    "private key": "PRIVATE_KEY",
    "token or key assigned in the file": "TOKEN",
    "password or secret assigned in the file": "SECRET",
}
URL_PASSWORD = "password in a URL"
# Targets that say nothing beyond "a credential": the kind's default name is better.
_GENERIC_TARGETS = {
    "TOKEN", "KEY", "API_KEY", "APIKEY", "SECRET", "PASSWORD", "PASSWD", "PWD",
    "ACCESS_TOKEN", "AUTH_TOKEN", "API_TOKEN", "AUTH", "CREDENTIALS", "CREDENTIAL",
    "SECRET_KEY", "ACCESS_KEY", "AUTHORIZATION", "HEADERS", "VALUE", "BEARER",
}
_HF_KINDS = {KNOWN_TOKEN_KIND, "Hugging Face token"}
_ASSIGNMENT_KINDS = {"token or key assigned in the file", "password or secret assigned in the file"}
_TEXT_TARGET = re.compile(
    r"""([A-Za-z_][A-Za-z0-9_.-]*)["'\]]*\s*(?:=|:=|:|=>)\s*[rbuRBU]?["'`]?[^\s"'`]*$"""
)


@dataclass
class Occurrence:
    """Where one secret is in a file's text, and the variable it will be read from."""

    start: int
    end: int
    finding: Finding
    name: str = ""


def env_name(kind: str, target: str | None, literal: str = "") -> str:
    """The environment variable a redacted value is read from.

    >>> env_name("Hugging Face token", "token")
    'HF_TOKEN'
    >>> env_name("password or secret assigned in the file", "self.api_key")
    'API_KEY'
    >>> env_name("password in a URL", "DATABASE_URL")
    'DATABASE_PASSWORD'
    """
    target = (target or "").rsplit(".", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9]+", "_", target).strip("_").upper()
    if name[:1].isdigit():
        name = "_" + name
    if kind == URL_PASSWORD:
        base = re.sub(r"_?(URL|URI|DSN|CONN|CONNECTION|STRING|ENDPOINT|HOST)$", "", name)
        if not base:
            scheme = re.search(r"([A-Za-z][A-Za-z0-9+.-]*)://", literal)
            base = re.sub(r"[^A-Z0-9]+", "_", scheme.group(1).upper()) if scheme else "URL"
        return base if base.endswith("PASSWORD") else base + "_PASSWORD"
    if "hugging face" in kind.lower():
        kind = "Hugging Face token"  # e.g. the publisher's own "(yours)" findings
    default = _DEFAULT_NAMES.get(kind, "SECRET")
    if kind in _ASSIGNMENT_KINDS:
        return name or default
    if not name or name in _GENERIC_TARGETS:
        return default
    if kind in _HF_KINDS and not re.search(r"(^|_)(HF|HUGGING)", name):
        return default
    return name


def placeholder(name: str) -> str:
    """The text that replaces a secret outside Python code."""
    return f"<redacted; set {name}>"


def make_names_unique(text: str, occurrences: list[Occurrence]) -> None:
    """Two different values must not be read from the same variable."""
    owner: dict[str, str] = {}
    for occ in sorted(occurrences, key=lambda o: o.start):
        value, name, number = text[occ.start : occ.end], occ.name, 1
        while owner.setdefault(name, value) != value:
            number += 1
            name = f"{occ.name}_{number}"
        occ.name = name


def text_target(text: str, occ: Occurrence) -> str | None:
    """The key or variable a value is assigned to on its line (``token:``, ``"api_key":``,
    ``DATABASE_URL=``), read from the text before it."""
    line_start = text.rfind("\n", 0, occ.start) + 1
    match = _TEXT_TARGET.search(text[line_start : occ.start])
    return match.group(1) if match else None
