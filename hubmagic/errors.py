"""Errors a user can act on.

Every error hubmagic raises for bad input or a refused operation is a
``HubMagicError``: its message is one paragraph that says what went wrong and what
to do. The magics turn it into an IPython ``UsageError`` (one line, no traceback);
plain-Python callers catch it like any exception. Subclasses also derive from the
builtin type a Python user would expect (``ValueError``, ``FileNotFoundError`` ...)
so existing ``except`` clauses keep working.
"""

from __future__ import annotations


class HubMagicError(Exception):
    """Base class: an error whose message tells the user what to do."""


class InvalidInputError(HubMagicError, ValueError):
    """An argument (variable, estimator, data, repo id ...) is not usable."""


class NotFittedModelError(InvalidInputError):
    """The estimator has not been fitted yet."""


class PersistenceError(HubMagicError, TypeError):
    """The estimator cannot be saved in the requested format."""


class UntrustedTypesError(HubMagicError):
    """A skops file contains types the user has not trusted."""

    def __init__(self, message: str, untrusted: list[str] | None = None):
        super().__init__(message)
        self.untrusted = list(untrusted or [])


class AuthenticationError(HubMagicError, PermissionError):
    """No token, or the Hub refused the token (401/403)."""


class RemoteNotFoundError(HubMagicError, LookupError):
    """The repository, revision or file does not exist on the Hub (or is private)."""


class RemoteChangedError(HubMagicError):
    """The remote branch moved since the last pull or push (stale parent commit)."""


class SecretsFoundError(HubMagicError):
    """Credentials were found in files about to be published."""

    def __init__(self, message: str, findings: list | None = None):
        super().__init__(message)
        self.findings = list(findings or [])


class PublishError(HubMagicError):
    """The push failed; the local repository and the remote are unchanged."""
