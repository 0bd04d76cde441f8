"""Keep credentials out of published repositories.

Scan the files of a model repository for tokens, keys and passwords, tell the user
where they are, and replace them by environment lookups on request.

>>> from hubmagic.secrets import scan_text
>>> scan_text('token = os.environ["HF_TOKEN"]', "train.py")
[]
"""

from hubmagic.secrets.finding import Finding, format_findings
from hubmagic.secrets.redact import redact_folder, redact_text
from hubmagic.secrets.scanner import current_user_tokens, scan_folder, scan_text

__all__ = [
    "Finding",
    "current_user_tokens",
    "format_findings",
    "redact_folder",
    "redact_text",
    "scan_folder",
    "scan_text",
]
