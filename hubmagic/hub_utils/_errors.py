"""Errors of ``hubmagic.hub_utils``.

skops 0.8.0 raised plain builtins (``OSError``, ``TypeError``, ``RuntimeError`` ...)
and code written for it catches those. Each class here is a ``HubMagicError`` *and*
the builtin skops raised, so both ``except OSError`` and ``except HubMagicError`` work.
"""

from __future__ import annotations

from huggingface_hub.errors import RepositoryNotFoundError

from hubmagic.errors import HubMagicError, RemoteNotFoundError


class DestinationNotEmptyError(HubMagicError, FileExistsError):
    """``init`` / ``download`` target folder exists and is not empty (skops: ``OSError``)."""


class ModelFileNotFoundError(HubMagicError, FileNotFoundError):
    """The model file given to ``init`` does not exist (skops: ``OSError``)."""


class ModelNotAPathError(HubMagicError, TypeError):
    """``init`` got an estimator (or anything else) instead of a file path."""


class EmptyModelFileError(HubMagicError, RuntimeError):
    """The model file given to ``init`` is empty (skops: ``RuntimeError``)."""


class InvalidModelFolderError(HubMagicError, TypeError):
    """The folder given to ``push`` is not a model repository (skops: ``TypeError``)."""


class MissingRepositoryFileError(HubMagicError, FileNotFoundError):
    """``add_files`` / ``get_config``: a file or folder is missing."""


class RepositoryFileExistsError(HubMagicError, FileExistsError):
    """``add_files`` would overwrite a file of the repository."""


class InferenceError(HubMagicError, RuntimeError):
    """The model failed on the given data (skops: ``RuntimeError`` from the server)."""


class HubRepositoryNotFoundError(RemoteNotFoundError, RepositoryNotFoundError):
    """No such repository, or it is private (skops let the client's error through).

    Both hubmagic's ``RemoteNotFoundError`` and ``huggingface_hub``'s
    ``RepositoryNotFoundError``, so code written for skops keeps catching it.
    """

    def __init__(self, message: str, response):
        RepositoryNotFoundError.__init__(self, message, response=response)


def repository_not_found(error: RemoteNotFoundError) -> Exception:
    """``error`` as a ``HubRepositoryNotFoundError`` when the Hub said "no such repo"."""
    cause = error.__cause__
    if not isinstance(cause, RepositoryNotFoundError):
        return error
    message = (
        f"{error} If you are trying to access a private or gated repo, make sure you are "
        "authenticated: pass token=... or log in with `huggingface_hub.login()`."
    )
    return HubRepositoryNotFoundError(message, cause.response)
