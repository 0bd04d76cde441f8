"""Our detect-secrets plugins and filters.

detect-secrets loads this file by path (``file://.../plugins.py``) as a stand-alone
module, so it must only use absolute imports and must not import hubmagic. The
built-in detectors cover AWS, Slack, JWT, Stripe, private keys, URL passwords and
password-like assignments; these classes add what they miss for a notebook user:

* Hugging Face tokens (``hf_...``, organisation ``api_org_...``),
* GitHub tokens: the built-in detector reports only the ``ghp`` prefix (its regex
  has a capture group), and knows no fine-grained ``github_pat_`` tokens,
* GitLab tokens, for the same capture-group reason,
* OpenAI-style keys (``sk-...``, ``sk-proj-...``): the built-in one only knows the
  legacy format and truncates the key it reports,
* passwords in URLs containing ``!$&*()+,;=`` (the built-in URL detector stops at
  these, so ``postgres://ml:Pa55!word@db`` went unreported),
* JSON Web Tokens with their signature (the built-in regex ends lazily and reports
  ``header.payload.`` only),
* assignments to ``token``-like names (the built-in keyword list has no ``token``).
"""

from __future__ import annotations

import functools
import re

from detect_secrets.filters import heuristic
from detect_secrets.plugins import base
from detect_secrets.plugins import jwt as builtin_jwt
from detect_secrets.util import filetype

_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"
_NOT_ALNUM_AFTER = r"(?![A-Za-z0-9])"


class HuggingFaceTokenDetector(base.RegexBasedDetector):
    """User access tokens (``hf_``) and legacy organisation tokens (``api_org_``)."""

    secret_type = "Hugging Face Token"
    denylist = (
        re.compile(_NOT_ALNUM_BEFORE + r"(?:hf_|api_org_)[A-Za-z0-9]{30,}" + _NOT_ALNUM_AFTER),
    )


class GitHubAccessTokenDetector(base.RegexBasedDetector):
    """Classic (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``) and fine-grained tokens."""

    secret_type = "GitHub Access Token"
    denylist = (
        re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}(?![A-Za-z0-9_])"),
        re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{50,}(?![A-Za-z0-9_])"),
    )


class GitLabAccessTokenDetector(base.RegexBasedDetector):
    """Personal, deploy, runner, CI and OAuth tokens of GitLab."""

    secret_type = "GitLab Access Token"
    denylist = (
        re.compile(
            r"(?<![A-Za-z0-9_-])gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-"
            r"[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"
        ),
    )


class OpenAIStyleKeyDetector(base.RegexBasedDetector):
    """``sk-...`` API keys (OpenAI legacy and project keys, and look-alikes)."""

    secret_type = "OpenAI-style API Key"
    denylist = (
        re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"),
    )

    def analyze_string(self, string):
        # Real keys are random mixed-case alphanumerics; words like
        # "sk-learn-pipeline-for-iris" are not keys.
        for match in super().analyze_string(string):
            body = match[3:]
            if (
                re.search(r"[0-9]", body)
                and re.search(r"[a-z]", body)
                and re.search(r"[A-Z]", body)
            ):
                yield match


class UrlPasswordDetector(base.RegexBasedDetector):
    """The password of ``scheme://user:password@host`` (only the password is reported)."""

    secret_type = "URL Password"
    denylist = (
        re.compile(
            r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@\"'`<>]+:"
            r"([^\s/?#@\"'`<>]+)@[^\s/?#@\"'`<>]"
        ),
    )


class JsonWebTokenDetector(base.RegexBasedDetector):
    """``eyJ...`` tokens whose header and payload decode to JSON, signature included."""

    secret_type = "JSON Web Token (signed)"
    denylist = (
        re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
    )

    def analyze_string(self, string):
        for match in super().analyze_string(string):
            if builtin_jwt.JwtTokenDetector.is_formally_valid(match):
                yield match


# Names whose literal value is a credential: `token`, `hf_token`, `ACCESS_TOKEN`,
# `access_key`, and `key` alone (`wandb.login(key=...)`, with 32+ characters) ... The name
# must *end* with the keyword, so NLP settings such as `token_pattern` or `tokenizer` are
# not matched.
_TOKEN_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<name>[A-Za-z0-9_.-]*?(?:token|access_?key)s?|key)"
    r"""['"\]]{0,2}\s*(?:=|:=|:|=>)\s*[rbuRBU]?(?P<quote>['"`]?)"""
    r"(?P<value>[A-Za-z0-9_\-.+/=~]{16,})(?P=quote)(?![A-Za-z0-9_\-.+/=~])",
    re.IGNORECASE,
)
_CODE_FILE_TYPES = {
    filetype.FileType.PYTHON,
    filetype.FileType.JAVASCRIPT,
    filetype.FileType.JAVA,
    filetype.FileType.GO,
    filetype.FileType.SWIFT,
    filetype.FileType.C,
    filetype.FileType.C_PLUS_PLUS,
    filetype.FileType.C_SHARP,
    filetype.FileType.OBJECTIVE_C,
    filetype.FileType.PHP,
}


@functools.lru_cache(maxsize=256)
def _is_code_file(filename):
    # notebooks hold code too: `token = some_variable` in a cell is a reference
    return filename.endswith(".ipynb") or filetype.determine_file_type(filename) in _CODE_FILE_TYPES


class TokenAssignmentDetector(base.BasePlugin):
    """A credential-shaped literal assigned to a ``token``/``access_key`` name.

    Values must be at least 16 characters of token alphabet with letters and digits,
    so ``pad_token = "<pad>"`` or ``max_tokens: 256`` are not findings. In code files
    only quoted literals count (``token = my_variable`` is a reference, not a secret).
    """

    secret_type = "Token Assignment"

    def analyze_string(self, string, quotes_required=False):
        for match in _TOKEN_ASSIGNMENT.finditer(string):
            value = match.group("value")
            if quotes_required and not match.group("quote"):
                continue
            if match.group("name").lower() == "key" and len(value) < 32:
                continue  # `key=` alone is often a column or cache key; API keys are long
            if re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value):
                yield value

    def analyze_line(self, filename, line, line_number=0, context=None, **kwargs):
        quotes_required = _is_code_file(filename)
        return super().analyze_line(
            filename=filename,
            line=line,
            line_number=line_number,
            context=context,
            quotes_required=quotes_required,
        )


# ---- filters (registered as file://.../plugins.py::<name>) -------------------------

_ASSIGNMENT_TYPES = {"Secret Keyword", "Token Assignment"}

_PLACEHOLDER = re.compile(
    r"^(?:your|my|insert|enter|put|replace|add|paste)[-_ ]"
    r"|x{4,}|\*{3,}|\.{3,}|redacted"
    r"|^(?:changeme|change_me|placeholder|example|dummy|none|null|nil|true|false"
    r"|todo|tbd|secret|password|passwd|pass|pwd|token|api_key|apikey|value|string|str)$",
    re.IGNORECASE,
)


# Lower-case words naming a credential ("secret_value", "fal-ai-api-key", "xet-auth")
# are header names, dictionary keys or examples, not credentials.
_NAME_LIKE = re.compile(r"^[a-z]+(?:[-_][a-z]+)*$")
_CREDENTIAL_WORD = re.compile(r"key|secret|token|pass|auth|value|example|sample|dummy|fake")
_DOTTED_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*)?$")


def is_placeholder_value(secret, plugin=None):
    """``password = "your_password_here"``, ``token: xxxx``, ``api_key="fal-ai-api-key"``,
    ``"pwd": "IPython.core.magics.osm:OSMagics"`` ... are not secrets."""
    if plugin is not None and plugin.secret_type == "URL Password":
        return bool(_PLACEHOLDER.search(secret))  # scheme://user:password@host
    if plugin is None or plugin.secret_type not in _ASSIGNMENT_TYPES:
        return False
    return bool(
        _PLACEHOLDER.search(secret)
        or (_NAME_LIKE.match(secret) and _CREDENTIAL_WORD.search(secret))
        or _DOTTED_PATH.match(secret)
    )


def is_dummy_value(secret):
    """``hf_xxxxxxxx...``, ``sk-XXXX...``, ``AKIA0000...``: examples from documentation.

    Random tokens use many distinct characters; these use three or fewer after the
    prefix.
    """
    body = re.sub(r"^(?:hf_|api_org_|gh[pousr]_|github_pat_|sk-(?:proj-)?|xox[a-z]-|AKIA)", "", secret)
    return len(body) >= 8 and len(set(body.lower()) - set("-_.")) <= 3


def is_indirect_assignment(secret, line, plugin=None):
    """detect-secrets' indirect-reference heuristic, for unquoted assignment values only.

    ``password = request.headers['apikey']`` in a config-style file is a reference,
    not a secret. Applied as detect-secrets applies it by default (a line filter) it
    would drop every finding of lines like ``api = HfApi(token="hf_...")`` or
    ``conn = connect(password="...")``: a quoted literal always stays a finding.
    """
    if plugin is None or plugin.secret_type not in _ASSIGNMENT_TYPES:
        return False
    if any(q + secret + q in line for q in ('"', "'", "`")):
        return False
    return heuristic.is_indirect_reference(line)
